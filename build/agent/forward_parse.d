build/agent/forward_parse.o: agent/forward_parse.c agent/address.h \
 agent/payload_field.h agent/model.h agent/payload.h
agent/address.h:
agent/payload_field.h:
agent/model.h:
agent/payload.h:
