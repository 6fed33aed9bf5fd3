build-asan/agent/route_parse.o: agent/route_parse.c agent/hostname.h \
 agent/payload.h agent/model.h agent/payload_field.h
agent/hostname.h:
agent/payload.h:
agent/model.h:
agent/payload_field.h:
