/* The preserve_source tunnel's links, forwarding database, routes and rules (rtnetlink). */
#ifndef EDGE_PST_LINK_H
#define EDGE_PST_LINK_H

#include <stddef.h>

#include "pst.h"

/* The VXLAN link, created when missing; -EEXIST when that name is someone else's link. */
int pst_link_ensure(const struct pst_plan *p, unsigned *ifindex, char *err, size_t errlen);
/* Its address, MTU, flags, sysctls, forwarding database, routes and rules, as planned. */
int pst_link_sync(unsigned ifindex, const struct pst_plan *p, char *err, size_t errlen);
/* Removes the link and the rules. */
int pst_link_remove(char *err, size_t errlen);

#endif
