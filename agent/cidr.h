/* CIDR lists: parsing ("10.0.0.0/8,192.168.0.0/16") and membership. Pure. */
#ifndef EDGE_CIDR_H
#define EDGE_CIDR_H

#include "model.h"

#define CIDR_TEXT_LEN 64     /* an IPv6 address, '/', a prefix */

/*
 * One network, "addr[/len]" (no length: a host), host bits zero. 0, or -EINVAL with the
 * quoted value first in err: "\"10.0.0.1/24\" has host bits set (accepted: ...)".
 */
int cidr_parse(struct cidr *c, const char *s, size_t n, char *err, size_t errlen);
/* "10.0.0.0/8", "fd00::/8" */
void cidr_format(char *buf, size_t len, const struct cidr *c);

/* Returns 0, or -EINVAL with the offending element in err. */
int cidr_list_parse(struct cidr_list *out, const char *text, char *err, size_t errlen);
int cidr_list_add(struct cidr_list *l, const struct cidr *c);
void cidr_list_free(struct cidr_list *l);
/* inner lies wholly in outer; a and b share at least one address (same family). */
bool cidr_within(const struct cidr *inner, const struct cidr *outer);
bool cidr_overlap(const struct cidr *a, const struct cidr *b);
bool cidr_list_contains(const struct cidr_list *l, int family, const void *addr);
/* Renders "10.0.0.0/8, 192.168.0.0/16" for error messages. */
void cidr_list_format(const struct cidr_list *l, char *buf, size_t len);

#endif
