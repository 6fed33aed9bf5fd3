#include <errno.h>

#include "json_strict.h"

int json_strict_parse(const char *buf, size_t len, int depth, struct json_object **out,
		      enum json_tokener_error *jerr, size_t *at)
{
	struct json_tokener *tok = json_tokener_new_ex(depth);
	struct json_object *root;

	*at = 0;
	*out = NULL;
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	*jerr = json_tokener_get_error(tok);
	*at = json_tokener_get_parse_end(tok);
	if (*jerr == json_tokener_continue) {
		/* a NUL ends a top-level scalar; anything still open is cut short */
		root = json_tokener_parse_ex(tok, "", 1);
		*jerr = json_tokener_get_error(tok);
		if (*jerr == json_tokener_continue)
			*jerr = json_tokener_error_parse_eof;
		*at = len;
	}
	if (*jerr == json_tokener_success && *at < len)
		*jerr = json_tokener_error_parse_unexpected;
	json_tokener_free(tok);
	if (*jerr != json_tokener_success) {
		json_object_put(root);
		return -EINVAL;
	}
	*out = root;
	return 0;
}
