build/agent/payload.o: agent/payload.c agent/payload.h agent/model.h \
 agent/payload_field.h
agent/payload.h:
agent/model.h:
agent/payload_field.h:
