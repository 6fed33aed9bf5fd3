/* DATA_DIR/health.json: what `edge-agent health` (container and systemd checks) reads. */
#ifndef EDGE_HEALTH_H
#define EDGE_HEALTH_H

#include <stdbool.h>
#include <time.h>

#define HEALTH_FILE "health.json"
#define HEALTH_MAX_AGE_S 90     /* the agent rewrites it at least every 30 s */

/* Written without fsync: it describes the running process, not state to recover. */
int health_write(const char *dir, bool connected, bool synced, size_t n_errors, time_t now);
/*
 * The `health` subcommand: 0 running, connected and synced; 1 running but degraded
 * (broker unreachable, replay not done, errors); 2 not running or stale. Prints one line.
 */
int health_check(const char *dir, time_t now);

#endif
