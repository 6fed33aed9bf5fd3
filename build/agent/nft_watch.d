build/agent/nft_watch.o: agent/nft_watch.c agent/nft_watch.h
agent/nft_watch.h:
