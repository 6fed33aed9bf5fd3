build/agent/object.o: agent/object.c agent/model.h
agent/model.h:
