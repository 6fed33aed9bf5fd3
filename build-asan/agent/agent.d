build-asan/agent/agent.o: agent/agent.c agent/agent.h agent/config.h \
 agent/log.h agent/model.h agent/reconcile.h agent/nft_render.h \
 agent/strbuf.h agent/store.h agent/hmap.h agent/traefik.h agent/cache.h \
 agent/cidr.h agent/host.h agent/mqtt.h agent/nft_apply.h \
 agent/nft_watch.h agent/payload.h agent/status.h agent/topic.h
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
agent/cache.h:
agent/cidr.h:
agent/host.h:
agent/mqtt.h:
agent/nft_apply.h:
agent/nft_watch.h:
agent/payload.h:
agent/status.h:
agent/topic.h:
