build/agent/traefik_files.o: agent/traefik_files.c agent/traefik.h \
 agent/model.h agent/strbuf.h
agent/traefik.h:
agent/model.h:
agent/strbuf.h:
