build/agent/cache.o: agent/cache.c agent/cache.h agent/store.h \
 agent/hmap.h agent/model.h agent/strbuf.h agent/fileio.h agent/log.h \
 agent/payload.h
agent/cache.h:
agent/store.h:
agent/hmap.h:
agent/model.h:
agent/strbuf.h:
agent/fileio.h:
agent/log.h:
agent/payload.h:
