build/agent/hostname.o: agent/hostname.c agent/hostname.h
agent/hostname.h:
