#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "join_http.h"
#include "join_parse.h"
#include "log.h"
#include "wg_key.h"

static char *request_body(const struct join_req *req)
{
	struct json_object *o = json_object_new_object();
	char key[WG_KEY_B64_LEN];
	char *out = NULL;

	if (!o)
		return NULL;
	wg_key_to_base64(key, req->public_key);
	json_object_object_add(o, "node_id", json_object_new_string(req->node_id));
	json_object_object_add(o, "public_key", json_object_new_string(key));
	if (req->endpoint && *req->endpoint)
		json_object_object_add(o, "endpoint", json_object_new_string(req->endpoint));
	out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return out;
}

static bool token_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static int easy_setup(struct join *j, const struct join_req *req)
{
	size_t ulen = strlen(req->url);
	char *hdr;
	int ok = 1;

	while (ulen && req->url[ulen - 1] == '/')
		ulen--;
	if (asprintf(&j->url, "%.*s/join", (int)ulen, req->url) < 0) {
		j->url = NULL;
		return -ENOMEM;
	}
	if (asprintf(&hdr, "X-Join-Token: %s", req->token) < 0)
		return -ENOMEM;
	j->headers = j->curl.slist_append(NULL, hdr);
	explicit_bzero(hdr, strlen(hdr));
	free(hdr);
	if (j->headers)
		j->headers = j->curl.slist_append(j->headers, "Content-Type: application/json");
	if (j->headers)
		j->headers = j->curl.slist_append(j->headers, "Expect:");
	j->body = request_body(req);
	if (!j->headers || !j->body)
		return -ENOMEM;
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_URL, j->url);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->headers);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_POSTFIELDS, j->body);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(j->body));
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_USERAGENT, "edge-agent");
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms > 0 ?
				req->connect_timeout_ms : (long)JOIN_CONNECT_TIMEOUT_MS);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ?
				req->timeout_ms : (long)JOIN_TIMEOUT_MS);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_MAXFILESIZE, (long)JOIN_MAX_BYTES);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_ERRORBUFFER, j->errbuf);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, join_on_data);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_WRITEDATA, j);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_HEADERFUNCTION, join_on_header);
	ok &= !j->curl.easy_setopt(j->easy, CURLOPT_HEADERDATA, j);
	if (req->ca_file && *req->ca_file)
		ok &= !j->curl.easy_setopt(j->easy, CURLOPT_CAINFO, req->ca_file);
	return ok ? 0 : -EINVAL;
}

int join_start(struct join **out, const struct join_req *req)
{
	struct join *j = NULL;
	int running, ret;

	*out = NULL;
	if (!req->url || !req->token || !token_ok(req->token) || !req->node_id ||
	    !req->public_key)
		return -EINVAL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->deadline = -1;
	ret = join_curl_open(&j->curl, j->err, sizeof(j->err));
	if (ret) {
		log_error("join: %s", j->err);
		ret = -ELIBACC;
		goto out;
	}
	j->multi = j->curl.multi_init();
	j->easy = j->curl.easy_init();
	if (!j->multi || !j->easy) {
		ret = -ENOMEM;
		goto out;
	}
	ret = easy_setup(j, req);
	if (ret)
		goto out;
	j->curl.multi_setopt(j->multi, CURLMOPT_SOCKETFUNCTION, join_on_socket);
	j->curl.multi_setopt(j->multi, CURLMOPT_SOCKETDATA, j);
	j->curl.multi_setopt(j->multi, CURLMOPT_TIMERFUNCTION, join_on_timer);
	j->curl.multi_setopt(j->multi, CURLMOPT_TIMERDATA, j);
	if (j->curl.multi_add_handle(j->multi, j->easy)) {
		ret = -ENOMEM;
		goto out;
	}
	log_debug("join: POST %s as %s", j->url, req->node_id);
	j->curl.multi_socket_action(j->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	join_collect(j);
	*out = j;
	j = NULL;
out:
	join_free(j);
	return ret;
}

void join_free(struct join *j)
{
	if (!j)
		return;
	if (j->curl.lib) {
		if (j->multi && j->easy)
			j->curl.multi_remove_handle(j->multi, j->easy);
		if (j->easy)
			j->curl.easy_cleanup(j->easy);
		if (j->multi)
			j->curl.multi_cleanup(j->multi);
		j->curl.slist_free_all(j->headers);
	}
	wg_join_free(&j->result);
	free(j->url);
	free(j->body);
	if (j->resp)
		explicit_bzero(j->resp, j->resp_len);
	free(j->resp);
	join_curl_close(&j->curl);
	free(j);
}
