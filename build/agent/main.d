build/agent/main.o: agent/main.c agent/agent.h agent/config.h agent/log.h \
 agent/model.h agent/reconcile.h agent/nft_render.h agent/strbuf.h \
 agent/store.h agent/hmap.h agent/traefik.h
agent/agent.h:
agent/config.h:
agent/log.h:
agent/model.h:
agent/reconcile.h:
agent/nft_render.h:
agent/strbuf.h:
agent/store.h:
agent/hmap.h:
agent/traefik.h:
