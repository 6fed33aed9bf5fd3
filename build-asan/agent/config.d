build-asan/agent/config.o: agent/config.c agent/cidr.h agent/model.h \
 agent/config.h agent/log.h agent/payload.h agent/status.h agent/store.h \
 agent/hmap.h agent/strbuf.h
agent/cidr.h:
agent/model.h:
agent/config.h:
agent/log.h:
agent/payload.h:
agent/status.h:
agent/store.h:
agent/hmap.h:
agent/strbuf.h:
