build-asan/agent/status.o: agent/status.c agent/status.h agent/store.h \
 agent/hmap.h agent/model.h agent/strbuf.h
agent/status.h:
agent/store.h:
agent/hmap.h:
agent/model.h:
agent/strbuf.h:
