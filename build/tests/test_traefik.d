build/tests/test_traefik: tests/unit/test_traefik.c tests/lib/check.h \
 agent/traefik.h agent/model.h agent/strbuf.h
tests/lib/check.h:
agent/traefik.h:
agent/model.h:
agent/strbuf.h:
