/* The daemon: one context, the MQTT handlers, the resync protocol and the timers. */
#ifndef EDGE_AGENT_H
#define EDGE_AGENT_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "journal.h"
#include "metrics_http.h"
#include "fwd_health.h"
#include "reconcile.h"
#include "sets.h"
#include "store.h"
#include "strbuf.h"

struct coexist;
struct mesh;
struct mqtt;
struct nft;
struct nft_watch;

struct agent {
	struct config cfg;
	struct policy pol;
	struct store store;
	struct sets sets;               /* named sets; a->pol.sets points here */
	struct reconcile rc;
	struct fwd_health fwd_health;   /* targets' health checks */
	struct traefik_manifest traefik;   /* the Traefik files this agent created */
	struct port_set listening;         /* local listeners forwards may not take */
	int64_t listening_ms;              /* when it was read */
	const char *names[MAX_SOURCES];
	size_t n_names;

	struct nft *nft;
	struct nft_watch *watch;
	struct mqtt *mqtt;
	struct mesh *mesh;              /* NULL: WireGuard not managed */
	struct coexist *coexist;        /* other firewalls on the forward hook */
	unsigned mesh_gen;
	char wg_conf_path[256];
	char topic_status[160];
	char topic_wireguard[160];
	char topic_sync[160];
	char topic_errors[160];
	char topic_confirm[160];
	char topic_own_status[170];     /* "<prefix>/<node>/status/#", during each replay */
	char *subs[3 * MAX_SOURCES + 3];
	int n_subs;

	/* the retained replay after each (re)connect */
	char nonce[40];
	bool subscribed;
	bool marker_seen;
	bool synced;
	bool reparse;                   /* the policy changed: the next replay parses everything */
	int64_t last_replay_ms;
	size_t replay_before_marker;    /* retained objects that came before the marker */
	int64_t trim_due_ms;            /* give the replay's freed pages back, at the latest */
	int64_t idle_trim_ms;           /* a trim once changes stopped for IDLE_TRIM_MS; 0: none */
	bool sync_early;                /* marker after the replay, nothing to remove */
	bool held;                      /* the sweep waits for a confirmation */
	bool held_recheck;
	size_t held_remove;
	size_t held_total;
	char held_token[40];
	struct strbuf replay_statuses;  /* own retained status topics the replay showed, each
					 * followed by its status_payload_hash in hex, NUL-ended */
	bool statuses_unsent;           /* started from a cache: statuses wait for the first
					 * replay's retained ones, and go out if different */

	int64_t now_ms;
	bool need_reconcile;
	bool sets_dirty;            /* a set changed since DATA_DIR/sets.txt was written */
	int64_t retry_due_ms;
	int64_t retry_backoff_ms;
	int64_t node_due_ms;
	int64_t table_check_ms;
	bool node_dirty;
	time_t started_at;

	char sysctl_error[ERR_LEN];
	char wg_error[ERR_LEN];
	char mesh_error[ERR_LEN];
	int64_t node_refresh_ms;
	int64_t metrics_due_ms;
	struct metrics_http metrics;    /* the Prometheus endpoint (listener fd -1: none) */
	char topic_metrics[160];
	unsigned long messages;
	double apply_seconds;
	double last_apply_seconds;
	struct strbuf sb;

	struct journal journal;         /* DATA_DIR/state.journal */
	struct strbuf journal_buf;
	bool snapshot_due;              /* the next save is a snapshot (a write failed, or the
					   journal is too large) */
	size_t snapshot_bytes;          /* of the last snapshot (state.json) */
};

int agent_init(struct agent *a, int argc, char **argv);
/* Runs the poll loop until SIGTERM/SIGINT. Returns the exit code. */
int agent_run(struct agent *a);
void agent_free(struct agent *a);
/* `edge-agent cleanup`: removes the agent's table and every rule it added elsewhere. */
int agent_cleanup(int argc, char **argv);

#endif
