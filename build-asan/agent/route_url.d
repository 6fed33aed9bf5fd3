build-asan/agent/route_url.o: agent/route_url.c agent/address.h \
 agent/payload_field.h agent/model.h agent/payload.h
agent/address.h:
agent/payload_field.h:
agent/model.h:
agent/payload.h:
