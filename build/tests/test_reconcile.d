build/tests/test_reconcile: tests/unit/test_reconcile.c tests/lib/check.h \
 agent/cidr.h agent/model.h agent/payload.h agent/reconcile.h \
 agent/nft_render.h agent/strbuf.h agent/store.h agent/hmap.h \
 agent/traefik.h
tests/lib/check.h:
agent/cidr.h:
agent/model.h:
agent/payload.h:
agent/reconcile.h:
agent/nft_render.h:
agent/strbuf.h:
agent/store.h:
agent/hmap.h:
agent/traefik.h:
