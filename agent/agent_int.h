/* Internal to agent*.c: what the loop, the sync protocol and the reports share. */
#ifndef EDGE_AGENT_INT_H
#define EDGE_AGENT_INT_H

#include "agent.h"
#include "clock.h"
#include "mqtt.h"

#define NODE_STATUS_DELAY_MS 200
#define JOURNAL_MIN_BYTES (8u << 20)
#define JOURNAL_BUF_KEEP (64u << 10)
#define JOURNAL_FOLD_MIN (64u << 10)   /* an idle agent folds a journal larger than this */
#define JOURNAL_SLICE 256          /* slots rendered per journal write */
#define TABLE_CHECK_MS 5000
#define RETRY_MIN_MS 1000
#define RETRY_MAX_MS 30000
#define BATCH_MS 50
#define REPLAY_BATCH_MS 1000       /* a replay is read while it comes: the broker drops what waits */
#define TRIM_LATEST_MS 10000
#define NODE_REFRESH_MS 30000
#define IDLE_TRIM_MS 1000          /* after the last change: libnftables' caches and the heap */
#define MAX_POLL (5 + 8 + METRICS_HTTP_CONNS)
#define LISTENING_MAX_AGE_MS 1000


/* agent.c: an object's status payload, rendered into a->sb */
int agent_status_render(struct agent *a, const struct slot *s);

/* agent_report.c: node status, health, metrics */
void agent_report_node(struct agent *a);
void agent_report_node_changed(struct agent *a);
void agent_report_metrics(struct agent *a, bool prom);
void agent_report_metrics_tick(struct agent *a);

/* agent_sync.c: reconcile follow-ups, the retained replay, the MQTT handlers */
extern const struct mqtt_handlers agent_sync_handlers;
void agent_sync_reconcile(struct agent *a);
void agent_sync_complete(struct agent *a, bool confirmed);
int64_t agent_sync_due_ms(const struct agent *a);
bool agent_sync_policy_refresh(struct agent *a);
void agent_sync_listening_refresh(struct agent *a);
/* Named sets kept in DATA_DIR, read before the object cache at start. */
void agent_sync_sets_load(struct agent *a);
void agent_sync_mesh_changed(struct agent *a);

#endif
