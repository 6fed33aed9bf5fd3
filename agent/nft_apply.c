#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "nft_apply.h"

struct nft {
	struct nft_ctx *ctx;
};

int nft_open(struct nft **out)
{
	struct nft *nft;

	nft = calloc(1, sizeof(*nft));
	if (!nft)
		return -ENOMEM;
	nft->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft->ctx)
		goto fail;
	if (nft_ctx_buffer_output(nft->ctx) || nft_ctx_buffer_error(nft->ctx))
		goto fail;
	*out = nft;
	return 0;
fail:
	nft_close(nft);
	return -ENOMEM;
}

void nft_close(struct nft *nft)
{
	if (!nft)
		return;
	if (nft->ctx)
		nft_ctx_free(nft->ctx);
	free(nft);
}

static bool line_is_marker(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != '^' && s[i] != '~' && s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* nft's error text is message, input line, caret line, ...: keep the words, on one line. */
static void err_copy(char *err, size_t errlen, const char *msg)
{
	size_t len = 0, n;
	const char *end;

	while (*msg && len + 1 < errlen) {
		end = strchrnul(msg, '\n');
		while (msg < end && (*msg == ' ' || *msg == '\t'))
			msg++;
		n = (size_t)(end - msg);
		while (n && (msg[n - 1] == ' ' || msg[n - 1] == '\t' || msg[n - 1] == '\r'))
			n--;
		if (n && !line_is_marker(msg, n)) {
			if (len && len + 2 < errlen) {
				memcpy(err + len, "; ", 2);
				len += 2;
			}
			if (n > errlen - 1 - len)
				n = errlen - 1 - len;
			memcpy(err + len, msg, n);
			len += n;
		}
		msg = *end ? end + 1 : end;
	}
	err[len] = '\0';
}

int nft_apply(struct nft *nft, const char *text, char *err, size_t errlen)
{
	const char *msg;
	int ret = 0;

	if (errlen)
		err[0] = '\0';
	if (nft_run_cmd_from_buffer(nft->ctx, text))
		ret = -EIO;
	/* Reading the buffers also rewinds them for the next run. */
	nft_ctx_get_output_buffer(nft->ctx);
	msg = nft_ctx_get_error_buffer(nft->ctx);
	if (ret && errlen) {
		err_copy(err, errlen, msg ? msg : "");
		if (!err[0])
			snprintf(err, errlen, "nft: transaction failed without a message");
	}
	return ret;
}
