build-asan/tests/test_nft_kernel: tests/unit/test_nft_kernel.c \
 tests/lib/check.h agent/nft_apply.h agent/nft_render.h agent/model.h \
 agent/strbuf.h agent/nft_watch.h
tests/lib/check.h:
agent/nft_apply.h:
agent/nft_render.h:
agent/model.h:
agent/strbuf.h:
agent/nft_watch.h:
