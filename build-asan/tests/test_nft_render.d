build-asan/tests/test_nft_render: tests/unit/test_nft_render.c \
 tests/lib/check.h agent/nft_render.h agent/model.h agent/strbuf.h
tests/lib/check.h:
agent/nft_render.h:
agent/model.h:
agent/strbuf.h:
