build-asan/agent/strbuf.o: agent/strbuf.c agent/strbuf.h
agent/strbuf.h:
