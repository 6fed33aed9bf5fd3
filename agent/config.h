/* Configuration: environment variables, each also a command-line flag. */
#ifndef EDGE_CONFIG_H
#define EDGE_CONFIG_H

#include <stdio.h>

#include "broker.h"
#include "log.h"
#include "model.h"

#define MAX_RESERVED 64

struct config {
	char node_id[ID_LEN];
	char groups[MAX_SOURCES - 1][ID_LEN];
	size_t n_groups;

	struct broker_list brokers;
	unsigned mqtt_failback_s;   /* an earlier broker must answer this long before moving back */
	char *mqtt_username;
	char *mqtt_password;
	char *mqtt_ca_file;
	int mqtt_protocol;          /* 0: v5 falling back to 3.1.1; 5 or 4 forced */
	char topic_prefix[64];

	char *data_dir;
	char *traefik_dir;
	char *traefik_entrypoint;
	char *traefik_certresolver;
	int traefik_tls;            /* enum route_tls: ROUTER or ENTRYPOINT */
	char *traefik_http_entrypoint;
	char wg_iface[16];
	char nft_table[33];

	struct cidr_list allowed;
	bool allowed_set;           /* false: default (WireGuard network, else RFC 1918) */
	uint16_t reserved[MAX_RESERVED];
	size_t n_reserved;
	bool reserved_set;              /* RESERVED_PORTS given: no automatic additions */
	unsigned wg_listen_port;

	unsigned sync_quiet_ms;
	bool sync_sweep;                /* false: only deletes and tombstones remove objects */
	bool pst_tunnel;                /* the preserve_source tunnel with the mesh (pst.h) */
	unsigned guard_percent;         /* hold a resync removing more than this share... */
	unsigned guard_min;             /* ...and more than this many objects */
	size_t max_payload;
	size_t max_objects;             /* routes and forwards (by kind and id) the node holds */
	enum log_level log_level;

	char *controller_url;
	struct cidr mesh_network;       /* MESH_NETWORK; family 0: learned at the first join */
	char *join_token;
	char *controller_ca_file;
	char *wg_backend;
	char *wg_conf;
	char *wg_endpoint;
	char *wg_go_path;               /* the wireguard-go program, never looked up in $PATH */
	unsigned join_refresh_s;
	uint32_t forward_mark;          /* FORWARD_MARK value/mask, for other firewalls */
	uint32_t forward_mark_mask;
	int coexist_mode;               /* enum coexist_mode */
	unsigned metrics_interval_s;    /* 0: no metrics on the bus */
	char *metrics_listen;           /* Prometheus endpoint, loopback only; NULL: none */
};

/*
 * Fills cfg from the environment, then argv flags. Returns 0, 1 when --help or
 * --version printed and the program should exit 0, or -EINVAL with err naming the
 * variable and the bad value.
 */
int config_load(struct config *cfg, int argc, char **argv, char *err, size_t errlen);
void config_free(struct config *cfg);
void config_usage(FILE *out);
/* The policy validation works with, built from cfg (host addresses added by the caller). */
int config_policy(const struct config *cfg, struct policy *pol);

#endif
