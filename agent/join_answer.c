#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "join_http.h"
#include "join_parse.h"

#define BODY_SHOWN 200

size_t join_on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct join *j = userdata;
	size_t n = size * nmemb;
	char *p;

	if (j->resp_len + n > JOIN_MAX_BYTES) {
		j->resp_over = true;
		return 0;
	}
	p = array_grow(j->resp, &j->resp_cap, j->resp_len + n + 1, 1, 4096);
	if (!p)
		return 0;
	j->resp = p;
	memcpy(j->resp + j->resp_len, ptr, n);
	j->resp_len += n;
	j->resp[j->resp_len] = '\0';
	return n;
}

/* Keeps the reason phrase of the last "HTTP/x 401 Unauthorized" line. */
size_t join_on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct join *j = userdata;
	size_t n = size * nmemb, k;
	const char *sp;

	if (n < 5 || memcmp(ptr, "HTTP/", 5))
		return n;
	j->reason[0] = '\0';
	sp = memchr(ptr, ' ', n);
	sp = sp ? memchr(sp + 1, ' ', n - (size_t)(sp + 1 - ptr)) : NULL;
	if (!sp)
		return n;
	sp++;
	k = n - (size_t)(sp - ptr);
	while (k && (sp[k - 1] == '\r' || sp[k - 1] == '\n'))
		k--;
	snprintf(j->reason, sizeof(j->reason), " %.*s", (int)k, sp);
	for (char *c = j->reason; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	return n;
}

/* payload_quote stops at 64 bytes; a controller's error body deserves more. */
static void body_quote(char *buf, size_t len, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, shown = n < BODY_SHOWN ? n : BODY_SHOWN;

	while (shown && (s[shown - 1] == '\n' || s[shown - 1] == '\r'))
		shown--;
	buf[o++] = '"';
	for (size_t i = 0; i < shown && o + 8 < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)ch;
		} else if (ch >= 0x20 && ch < 0x7f) {
			buf[o++] = (char)ch;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[ch >> 4];
			buf[o++] = hex[ch & 15];
		}
	}
	if (n > BODY_SHOWN) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
}

static int curl_errno(CURLcode code)
{
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return -EPROTO;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int status_errno(long status)
{
	if (status == 401 || status == 403)
		return -EACCES;
	if (status == 409)
		return -EEXIST;
	if (status >= 500)
		return -EAGAIN;
	return -EINVAL;
}

static void join_finish(struct join *j, CURLcode code)
{
	char why[ERR_LEN], body[BODY_SHOWN * 4 + 8];
	long status = 0;

	j->done = true;
	if (j->resp_over || code == CURLE_FILESIZE_EXCEEDED) {
		j->ret = -EFBIG;
		snprintf(j->err, sizeof(j->err), "join: POST %s: the response is over %d bytes",
			 j->url, JOIN_MAX_BYTES);
		return;
	}
	if (code != CURLE_OK) {
		j->ret = curl_errno(code);
		snprintf(j->err, sizeof(j->err), "join: POST %s failed: %s", j->url,
			 j->errbuf[0] ? j->errbuf : j->curl.easy_strerror(code));
		return;
	}
	j->curl.easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		j->ret = status_errno(status);
		body_quote(body, sizeof(body), j->resp ? j->resp : "", j->resp_len);
		snprintf(j->err, sizeof(j->err), "join: controller answered %ld%s: %s", status,
			 j->reason, body);
		return;
	}
	j->ret = join_parse(j->resp ? j->resp : "", j->resp_len, &j->result, why, sizeof(why));
	if (j->ret == -EINVAL)
		j->ret = -EBADMSG;
	if (j->ret)
		snprintf(j->err, sizeof(j->err), "join: controller sent an invalid response: %s",
			 why);
}

void join_collect(struct join *j)
{
	CURLMsg *msg;
	int left;

	while ((msg = j->curl.multi_info_read(j->multi, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == j->easy && !j->done)
			join_finish(j, msg->data.result);
}

int join_result(struct join *j, struct wg_join *out, char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (!j->done)
		return -EINPROGRESS;
	if (j->ret) {
		snprintf(err, errlen, "%s", j->err);
		return j->ret;
	}
	if (j->taken) {
		snprintf(err, errlen, "join: the response was taken already");
		return -EALREADY;
	}
	*out = j->result;
	memset(&j->result, 0, sizeof(j->result));
	j->taken = true;
	return 0;
}
