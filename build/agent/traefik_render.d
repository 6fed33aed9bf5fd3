build/agent/traefik_render.o: agent/traefik_render.c agent/traefik.h \
 agent/model.h agent/strbuf.h
agent/traefik.h:
agent/model.h:
agent/strbuf.h:
