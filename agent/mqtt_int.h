/* Internal to mqtt*.c: the client's state, shared by the session and its connecting half. */
#ifndef EDGE_MQTT_INT_H
#define EDGE_MQTT_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "failover.h"
#include "mqtt.h"

#define BACKOFF_MIN_MS 500

enum mqtt_phase { PH_IDLE, PH_CONNECTING, PH_CONNECTED };
enum tls_failure { TLS_OK, TLS_UNTRUSTED, TLS_WRONG_NAME };

struct mqtt {
	struct mosquitto *mosq;
	const struct config *cfg;
	const struct mqtt_handlers *h;
	void *arg;
	enum mqtt_phase phase;
	int version;            /* MQTT_PROTOCOL_V5 or MQTT_PROTOCOL_V311 */
	bool got_connack;
	bool version_retry;     /* the broker refused MQTT 5: 3.1.1 at once, no back-off */
	int sub_mid;
	int own_mid;            /* the subscription to the agent's own topics */
	bool own_refused;
	int64_t next_attempt_ms;
	int64_t connect_deadline_ms;
	struct failover fo;
	bool reaching;                  /* a TCP check of the target runs before the connect */
	const char *connect_addr;       /* what the connecting thread connects to */
	int connect_port;
	char target[BROKER_URL_MAX + 64]; /* host:port [address] of the attempt or connection */
	int64_t backoff_ms;
	int64_t now_ms;
	size_t unacked;         /* publishes not yet acknowledged (QoS 1) or written (QoS 0) */
	enum tls_failure tls_failure;  /* what libmosquitto logged during this attempt */
	char tls_detail[160];
	pthread_t connector;            /* runs the blocking v5 connect; the loop keeps off mosq */
	bool connector_running;
	atomic_bool connector_done;
	int connector_rc;
	int connector_errno;
};

/* mqtt.c */
/* A libmosquitto result: a lost connection goes through on_disconnect. */
void mqtt_check(struct mqtt *m, int rc);

/* mqtt_connect.c: reaching a broker, the connecting thread, back-off and failover */
void mqtt_connect_retry(struct mqtt *m);
void mqtt_connect_again(struct mqtt *m);
void mqtt_connect_round(struct mqtt *m);
void mqtt_connect_log_tls(const struct mqtt *m);
void mqtt_connect_join(struct mqtt *m);

#endif
