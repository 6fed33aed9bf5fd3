/* The commands: each returns the process exit code. */
#ifndef EDGECTL_CMD_H
#define EDGECTL_CMD_H

#include "ctl.h"

struct config;

#define CONNECT_MS 10000    /* connect, subscribe and publish acknowledgements */
#define SETTLE_MS 30000     /* the retained replay of a snapshot */

struct bus;

int cmd_put(const struct ctl_args *a, const struct config *cfg);       /* put and rm */
/* put and rm to a group with --all or --min: waits for its nodes (cmd_fleet.c) */
int cmd_put_fleet(const struct ctl_args *a, const struct config *cfg);
/* What put and rm publish: the payload, or for rm a tombstone (or the empty payload). */
int cmd_put_publish(const struct ctl_args *a, struct bus *b, const char *topic,
		    const char *payload, size_t len, char *err, size_t errlen);
int cmd_ls(const struct ctl_args *a, const struct config *cfg);
int cmd_status(const struct ctl_args *a, const struct config *cfg);

#endif
