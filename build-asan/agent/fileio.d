build-asan/agent/fileio.o: agent/fileio.c agent/fileio.h
agent/fileio.h:
