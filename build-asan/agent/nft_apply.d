build-asan/agent/nft_apply.o: agent/nft_apply.c agent/nft_apply.h
agent/nft_apply.h:
