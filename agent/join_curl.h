/*
 * libcurl, loaded only while a join is in flight. Its Debian build brings GnuTLS, Kerberos,
 * LDAP, p11-kit and GMP: about 4 MiB resident from the moment they are mapped, which a node
 * that never talks to a controller (or has joined) should not carry.
 */
#ifndef EDGE_JOIN_CURL_H
#define EDGE_JOIN_CURL_H

#include <stddef.h>

#include <curl/curl.h>

#define JOIN_CURL_LIB "libcurl.so.4"

struct join_curl {
	void *lib;
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *easy, CURLoption opt, ...);
	CURLcode (*easy_getinfo)(CURL *easy, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode code);
	void (*easy_cleanup)(CURL *easy);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption opt, ...);
	CURLMcode (*multi_add_handle)(CURLM *multi, CURL *easy);
	CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *easy);
	CURLMcode (*multi_socket_action)(CURLM *multi, curl_socket_t fd, int ev, int *running);
	CURLMsg *(*multi_info_read)(CURLM *multi, int *left);
	CURLMcode (*multi_cleanup)(CURLM *multi);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
	void (*slist_free_all)(struct curl_slist *list);
};

/* Loads libcurl and runs its global init; err says why not (library missing, symbol). */
int join_curl_open(struct join_curl *c, char *err, size_t errlen);
/* Global cleanup and unload; a closed or never opened one is a no-op. */
void join_curl_close(struct join_curl *c);

#endif
