/* libFuzzer: operator-supplied configuration values (CIDR lists, topics, the cache file). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cidr.h"
#include "topic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "gw1", "fleet" };
	struct policy pol = { 0 };
	struct cidr_list l = { 0 };
	struct topic_ref ref;
	struct store st;
	char err[ERR_LEN];
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cidr_list_parse(&l, s, err, sizeof(err)) == 0) {
		char buf[256];
		cidr_list_format(&l, buf, sizeof(buf));
	}
	cidr_list_free(&l);
	topic_parse(s, "edge", names, 2, &ref, err, sizeof(err));
	cidr_list_parse(&pol.allowed, "10.0.0.0/8", err, sizeof(err));
	pol.entrypoint = "websecure";
	pol.max_payload = 65536;
	store_init(&st, names, 2);
	cache_parse(&st, (const char *)data, size, &pol, err, sizeof(err));
	store_free(&st);
	cidr_list_free(&pol.allowed);
	free(s);
	return 0;
}
