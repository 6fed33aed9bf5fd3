build-asan/agent/hmap.o: agent/hmap.c agent/hmap.h
agent/hmap.h:
