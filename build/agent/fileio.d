build/agent/fileio.o: agent/fileio.c agent/fileio.h
agent/fileio.h:
