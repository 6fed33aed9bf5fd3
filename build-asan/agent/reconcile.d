build-asan/agent/reconcile.o: agent/reconcile.c agent/log.h \
 agent/reconcile.h agent/nft_render.h agent/model.h agent/strbuf.h \
 agent/store.h agent/hmap.h agent/traefik.h
agent/log.h:
agent/reconcile.h:
agent/nft_render.h:
agent/model.h:
agent/strbuf.h:
agent/store.h:
agent/hmap.h:
agent/traefik.h:
