/* libFuzzer: the controller's join answer / edge/<node>/wireguard payload, and the
 * wireguard-go UAPI reply parser; what parses must render and diff without trouble. */
#include <stdint.h>
#include <stdlib.h>

#include "join_parse.h"
#include "strbuf.h"
#include "wg_device.h"
#include "wg_diff.h"
#include "wg_uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wg_join j = { 0 };
	struct wg_device d = { 0 }, delta = { 0 };
	struct strbuf sb;
	char err[512], *text = NULL;
	size_t len;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		if (join_parse((const char *)data + 1, size - 1, &j, err, sizeof(err)) == 0) {
			if (join_render(&j, &text, &len) == 0) {
				struct wg_join again = { 0 };
				if (join_parse(text, len, &again, err, sizeof(err)) || !wg_join_equal(&j, &again))
					abort();    /* render must round-trip */
				wg_join_free(&again);
			}
			free(text);
		}
		wg_join_free(&j);
		return 0;
	}
	if (wg_uapi_parse((const char *)data + 1, size - 1, &d) == 0) {
		if (wg_diff(NULL, &d, &delta) == 0) {
			strbuf_init(&sb);
			wg_uapi_render(&sb, &delta);
			strbuf_free(&sb);
		}
		wg_device_free(&delta);
	}
	wg_device_free(&d);
	return 0;
}
