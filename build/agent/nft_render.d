build/agent/nft_render.o: agent/nft_render.c agent/nft_render.h \
 agent/model.h agent/strbuf.h
agent/nft_render.h:
agent/model.h:
agent/strbuf.h:
