build/agent/resolve.o: agent/resolve.c agent/store.h agent/hmap.h \
 agent/model.h
agent/store.h:
agent/hmap.h:
agent/model.h:
