/* libFuzzer: configuration parsing: the input is split at NUL bytes into argv flags. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[34] = { "edge-agent" }, *buf = malloc(size + 1), err[512];
	struct config cfg;
	int argc = 1;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *p = buf; p < buf + size && argc < 33; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	if (config_load(&cfg, argc, argv, err, sizeof(err)) == 0) {
		struct policy pol;
		if (config_policy(&cfg, &pol) == 0) {
			free(pol.allowed.v);
			free(pol.reserved);
		}
	}
	config_free(&cfg);
	free(buf);
	return 0;
}
