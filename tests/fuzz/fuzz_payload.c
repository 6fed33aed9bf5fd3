/* libFuzzer: route and forward payloads through the full parse and validation path. */
#include <stdint.h>
#include <stdlib.h>

#include "cidr.h"
#include "payload.h"

static struct policy pol;

static void policy_once(void)
{
	static int done;
	char err[128];

	if (done++)
		return;
	cidr_list_parse(&pol.allowed, "10.0.0.0/8,fd00::/8", err, sizeof(err));
	cidr_list_parse(&pol.host, "10.0.0.1", err, sizeof(err));
	pol.reserved = (uint16_t[]){ 22, 80, 443 };
	pol.n_reserved = 3;
	pol.entrypoint = "websecure";
	pol.certresolver = "le";
	pol.max_payload = 65536;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct object *o = NULL;
	char err[ERR_LEN];

	policy_once();
	if (size < 1)
		return 0;
	/* first byte picks the kind, the rest is the payload */
	if (payload_parse(data[0] & 1 ? KIND_FORWARD : KIND_ROUTE, "fuzz", (const char *)data + 1,
			  size - 1, &pol, &o, err, sizeof(err)) == 0)
		object_unref(o);
	return 0;
}
