/* The commands: each returns the process exit code. */
#ifndef EDGECTL_CMD_H
#define EDGECTL_CMD_H

#include "ctl.h"

struct config;

#define CONNECT_MS 10000    /* connect, subscribe and publish acknowledgements */
#define SETTLE_MS 30000     /* the retained replay of a snapshot */

int cmd_put(const struct ctl_args *a, const struct config *cfg);       /* put and rm */
int cmd_ls(const struct ctl_args *a, const struct config *cfg);
int cmd_status(const struct ctl_args *a, const struct config *cfg);

#endif
