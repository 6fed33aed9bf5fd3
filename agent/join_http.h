/* Internal to the join client: one transfer's state, shared by join.c (set-up), join_poll.c
 * (poll glue) and join_answer.c (the answer and the result). */
#ifndef EDGE_JOIN_HTTP_H
#define EDGE_JOIN_HTTP_H

#include <curl/curl.h>

#include "join.h"
#include "join_curl.h"

struct join_sock {
	curl_socket_t fd;
	short events;
};

struct join {
	struct join_curl curl;      /* loaded for this transfer, unloaded with it */
	CURLM *multi;
	CURL *easy;
	struct curl_slist *headers;
	char *url;
	char *body;
	struct join_sock socks[JOIN_MAX_FDS];
	int n_socks;
	int64_t deadline;           /* CLOCK_MONOTONIC ms of curl's timer, -1: none */
	bool done, taken;
	char reason[64];            /* of the last status line */
	char errbuf[CURL_ERROR_SIZE];
	char *resp;
	size_t resp_len, resp_cap;
	bool resp_over;
	int ret;
	char err[2 * ERR_LEN];
	struct wg_join result;
};

/* curl callbacks (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION, WRITE, HEADER) */
int join_on_socket(CURL *easy, curl_socket_t fd, int what, void *clientp, void *socketp);
int join_on_timer(CURLM *multi, long timeout_ms, void *clientp);
size_t join_on_data(char *ptr, size_t size, size_t nmemb, void *userdata);
size_t join_on_header(char *ptr, size_t size, size_t nmemb, void *userdata);

/* Takes finished transfers from curl and turns them into the result. */
void join_collect(struct join *j);

#endif
