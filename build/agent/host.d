build/agent/host.o: agent/host.c agent/cidr.h agent/model.h agent/host.h
agent/cidr.h:
agent/model.h:
agent/host.h:
