build-asan/agent/store.o: agent/store.c agent/store.h agent/hmap.h \
 agent/model.h
agent/store.h:
agent/hmap.h:
agent/model.h:
