build-asan/agent/payload_keys.o: agent/payload_keys.c agent/payload.h \
 agent/model.h agent/payload_field.h
agent/payload.h:
agent/model.h:
agent/payload_field.h:
