#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "endpoint.h"
#include "log.h"
#include "mqtt_int.h"
#include "sets.h"

#define BACKOFF_MAX_MS 30000
#define KEEPALIVE_S 30
/* Room in a packet beside the payload: fixed header, topic, packet id, MQTT 5 properties. */
#define PACKET_OVERHEAD 4096
/* How often the loop looks whether the connecting thread is done. */
#define CONNECT_POLL_MS 20
/* A broker that has not answered a CONNECT by then is given up for the next one. */
#define CONNECT_TIMEOUT_MS 5000

static void mqtt_backoff(struct mqtt *m)
{
	int64_t jitter = m->backoff_ms / 4;

	m->phase = PH_IDLE;
	m->next_attempt_ms = m->now_ms + m->backoff_ms - jitter + (jitter ? rand() % (2 * jitter + 1) : 0);
	m->backoff_ms = m->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : m->backoff_ms * 2;
}

/* The next attempt at once, to the target that failover points at. */
void mqtt_connect_again(struct mqtt *m)
{
	m->phase = PH_IDLE;
	m->next_attempt_ms = m->now_ms;
}

/* An attempt failed: the next address or broker at once, a back-off after the whole list. */
void mqtt_connect_retry(struct mqtt *m)
{
	if (failover_next(&m->fo))
		mqtt_connect_again(m);
	else
		mqtt_backoff(m);
}

/* A connection was lost: a new round from the first broker, after the back-off. */
void mqtt_connect_round(struct mqtt *m)
{
	failover_begin(&m->fo);
	mqtt_backoff(m);
}

/* Only libmosquitto's log says why a TLS handshake failed; it is read while connecting. */
static void on_log(struct mosquitto *mosq, void *obj, int level, const char *str)
{
	struct mqtt *m = obj;

	if (level != MOSQ_LOG_ERR)
		return;
	log_debug("mqtt: libmosquitto: %s", str);
	if (strstr(str, "host name verification failed"))
		m->tls_failure = TLS_WRONG_NAME;
	else if (strstr(str, "certificate verify failed") && m->tls_failure == TLS_OK)
		m->tls_failure = TLS_UNTRUSTED;
	if (!m->tls_detail[0])
		snprintf(m->tls_detail, sizeof(m->tls_detail), "%s", str);
}

void mqtt_connect_log_tls(const struct mqtt *m)
{
	const struct broker *b = failover_broker(&m->fo);
	char at[BROKER_URL_MAX];

	endpoint_join(at, sizeof(at), b->host, (unsigned)b->port);
	if (m->tls_failure == TLS_WRONG_NAME)
		log_error("mqtt: TLS certificate verification failed for %s: the certificate "
			  "is not issued for %s (check MQTT_URL)", at, b->host);
	else if (m->tls_failure == TLS_UNTRUSTED)
		log_error("mqtt: TLS certificate verification failed for %s (check MQTT_CA_FILE%s)",
			  at, m->cfg->mqtt_ca_file ? "" : ", unset: only the system CAs are trusted");
	else
		log_error("mqtt: TLS connection to %s failed: %s", at,
			  m->tls_detail[0] ? m->tls_detail : "no detail from libmosquitto");
}

/*
 * A broker with default settings drops what it cannot queue for a slow reader (mosquitto:
 * max_queued_messages 1000, "Outgoing messages are being dropped"), and a replay of
 * 100,000 retained messages arrives while the agent writes thousands of files: a large
 * receive buffer keeps them in the kernel meanwhile (about 8 MB with the default window
 * scale). SO_RCVBUFFORCE needs CAP_NET_ADMIN, which the agent has; else what is allowed.
 */
static void mqtt_rcvbuf(int fd)
{
	int size = 16 << 20;

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

/*
 * MQTT 5 tells the broker the largest packet the agent takes, so it never sends one bigger
 * (mosquitto drops it for this client): an oversize payload costs the agent nothing.
 * MQTT 3.1.1 has no such field; there the broker's own limit is the bound.
 * libmosquitto 2.0 sends CONNECT properties only from its blocking connect (name lookup and
 * TCP connect), so that runs in a thread of its own while the loop serves everything else.
 */
static void *mqtt_connector(void *arg)
{
	struct mqtt *m = arg;
	mosquitto_property *props = NULL;
	uint32_t max = (uint32_t)(m->cfg->max_payload > SET_PAYLOAD_MAX ? m->cfg->max_payload :
				  SET_PAYLOAD_MAX) + PACKET_OVERHEAD;
	int rc = MOSQ_ERR_SUCCESS;

	if (m->version == MQTT_PROTOCOL_V5)
		rc = mosquitto_property_add_int32(&props, MQTT_PROP_MAXIMUM_PACKET_SIZE, max);
	if (!rc)
		rc = mosquitto_connect_bind_v5(m->mosq, m->connect_addr, m->connect_port,
					       KEEPALIVE_S, NULL, props);
	m->connector_errno = errno;
	mosquitto_property_free_all(&props);
	m->connector_rc = rc;
	atomic_store(&m->connector_done, true);
	return NULL;
}

static int mqtt_connect_start(struct mqtt *m)
{
	int ret;

	atomic_store(&m->connector_done, false);
	ret = pthread_create(&m->connector, NULL, mqtt_connector, m);
	if (ret) {
		errno = ret;
		return MOSQ_ERR_ERRNO;
	}
	m->connector_running = true;
	return MOSQ_ERR_SUCCESS;
}

void mqtt_connect_join(struct mqtt *m)
{
	if (!m->connector_running)
		return;
	pthread_join(m->connector, NULL);
	m->connector_running = false;
}

static void mqtt_connect_failed(struct mqtt *m, int rc)
{
	if (rc == MOSQ_ERR_TLS)
		mqtt_connect_log_tls(m);
	else
		log_warn("mqtt: could not connect to %s: %s", m->target,
			 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	mqtt_connect_retry(m);
}

/* Leaves a later broker for an earlier one that answers again: a clean disconnect, no will. */
static void mqtt_move_back(struct mqtt *m, int i)
{
	log_info("mqtt: %s has answered for %u s; moving back to it from %s",
		 m->fo.list->v[i].host, m->cfg->mqtt_failback_s, m->fo.name);
	m->phase = PH_IDLE;
	mosquitto_disconnect(m->mosq);
	mosquitto_loop_write(m->mosq, 1);
	failover_move(&m->fo, (size_t)i);
	m->next_attempt_ms = m->now_ms;
	m->h->disconnected(m->arg);
}

/* The next target of the list, connected to by the connecting thread. */
static void mqtt_attempt(struct mqtt *m)
{
	const struct broker *b = failover_broker(&m->fo);
	char hostport[BROKER_URL_MAX];

	m->connect_addr = failover_address(&m->fo);
	m->connect_port = b->port;
	endpoint_join(hostport, sizeof(hostport), b->host, (unsigned)b->port);
	if (strcmp(m->connect_addr, b->host))
		snprintf(m->target, sizeof(m->target), "%s [%s]", hostport, m->connect_addr);
	else
		snprintf(m->target, sizeof(m->target), "%s", hostport);
	m->got_connack = false;
	m->version_retry = false;
	m->phase = PH_CONNECTING;
	m->tls_failure = TLS_OK;
	m->tls_detail[0] = '\0';
	m->reaching = true;
	failover_reach_start(&m->fo, m->now_ms);
}

/* The target answered TCP (or did not): the connecting thread starts, or the next target. */
static int64_t mqtt_reached(struct mqtt *m)
{
	int r, err = 0, rc;

	r = failover_reach_result(&m->fo, m->now_ms, &err);
	if (r == 0)
		return CONNECT_POLL_MS;
	m->reaching = false;
	if (r < 0) {
		log_warn("mqtt: could not connect to %s: %s", m->target,
			 err == ETIMEDOUT ? "no answer" : strerror(err));
		mqtt_connect_retry(m);
		return m->next_attempt_ms - m->now_ms;
	}
	mosquitto_log_callback_set(m->mosq, on_log);
	rc = mqtt_connect_start(m);
	if (rc) {
		mqtt_connect_failed(m, rc);
		return m->next_attempt_ms - m->now_ms;
	}
	return CONNECT_POLL_MS;
}

int64_t mqtt_tick(struct mqtt *m, int64_t now_ms)
{
	int64_t due;
	int rc, back;

	m->now_ms = now_ms;
	if (m->reaching)
		return mqtt_reached(m);
	if (m->connector_running) {
		if (!atomic_load(&m->connector_done))
			return CONNECT_POLL_MS;
		mqtt_connect_join(m);
		rc = m->connector_rc;
		errno = m->connector_errno;
		if (rc == MOSQ_ERR_SUCCESS && mosquitto_socket(m->mosq) < 0)
			rc = MOSQ_ERR_NO_CONN;
		if (rc) {
			mqtt_connect_failed(m, rc);
			return m->next_attempt_ms - now_ms;
		}
		mqtt_rcvbuf(mosquitto_socket(m->mosq));        /* before the replay is asked for */
		m->connect_deadline_ms = now_ms + CONNECT_TIMEOUT_MS;
		return 0;
	}
	if (m->phase == PH_CONNECTING && now_ms >= m->connect_deadline_ms) {
		log_warn("mqtt: no answer from %s within %d s", m->target, CONNECT_TIMEOUT_MS / 1000);
		mosquitto_log_callback_set(m->mosq, NULL);
		mqtt_connect_retry(m);
	}
	if (m->phase == PH_CONNECTED && (back = failover_tick(&m->fo, now_ms)) >= 0)
		mqtt_move_back(m, back);
	if (m->phase != PH_IDLE) {
		mqtt_check(m, mosquitto_loop_misc(m->mosq));
		due = failover_due_ms(&m->fo);
		return due && due - now_ms < 1000 ? (due > now_ms ? due - now_ms : 0) : 1000;
	}
	if (now_ms < m->next_attempt_ms)
		return m->next_attempt_ms - now_ms;
	mqtt_attempt(m);
	return 0;
}
