build-asan/agent/cidr.o: agent/cidr.c agent/address.h \
 agent/payload_field.h agent/model.h agent/cidr.h agent/payload.h
agent/address.h:
agent/payload_field.h:
agent/model.h:
agent/cidr.h:
agent/payload.h:
