build/agent/payload_field.o: agent/payload_field.c agent/payload.h \
 agent/model.h agent/payload_field.h
agent/payload.h:
agent/model.h:
agent/payload_field.h:
