build-asan/agent/address.o: agent/address.c agent/address.h \
 agent/payload_field.h agent/model.h agent/cidr.h
agent/address.h:
agent/payload_field.h:
agent/model.h:
agent/cidr.h:
