#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "failover.h"
#include "log.h"
#include "mqtt.h"
#include "sets.h"

#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 30000
#define KEEPALIVE_S 30
/* Room in a packet beside the payload: fixed header, topic, packet id, MQTT 5 properties. */
#define PACKET_OVERHEAD 4096
/* How often the loop looks whether the connecting thread is done. */
#define CONNECT_POLL_MS 20
/* A broker that has not answered a CONNECT by then is given up for the next one. */
#define CONNECT_TIMEOUT_MS 5000
/* Packets read per wake-up: a retained replay is applied in batches, not one by one. */
#define READ_BATCH 2048

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
	int sub_mid;
	int own_mid;            /* the subscription to the agent's own topics */
	bool own_refused;
	int64_t next_attempt_ms;
	int64_t connect_deadline_ms;
	struct failover fo;
	bool reaching;                  /* a TCP check of the target runs before the connect */
	const char *connect_addr;       /* what the connecting thread connects to */
	int connect_port;
	char target[300];               /* host:port [address] of the attempt or connection */
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

static void mqtt_set_version(struct mqtt *m, int version)
{
	m->version = version;
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, version);
}

static void mqtt_backoff(struct mqtt *m)
{
	int64_t jitter = m->backoff_ms / 4;

	m->phase = PH_IDLE;
	m->next_attempt_ms = m->now_ms + m->backoff_ms - jitter + (jitter ? rand() % (2 * jitter + 1) : 0);
	m->backoff_ms = m->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : m->backoff_ms * 2;
}

/* An attempt failed: the next address or broker at once, a back-off after the whole list. */
static void mqtt_schedule_retry(struct mqtt *m)
{
	if (failover_next(&m->fo)) {
		m->phase = PH_IDLE;
		m->next_attempt_ms = m->now_ms;
		return;
	}
	mqtt_backoff(m);
}

/* A connection was lost: a new round from the first broker, after the back-off. */
static void mqtt_schedule_round(struct mqtt *m)
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

static void mqtt_log_tls_failure(const struct mqtt *m)
{
	const char *host = failover_broker(&m->fo)->host;
	int port = failover_broker(&m->fo)->port;

	if (m->tls_failure == TLS_WRONG_NAME)
		log_error("mqtt: TLS certificate verification failed for %s:%d: the certificate "
			  "is not issued for %s (check MQTT_URL)", host, port, host);
	else if (m->tls_failure == TLS_UNTRUSTED)
		log_error("mqtt: TLS certificate verification failed for %s:%d (check MQTT_CA_FILE%s)",
			  host, port, m->cfg->mqtt_ca_file ? "" : ", unset: only the system CAs are trusted");
	else
		log_error("mqtt: TLS connection to %s:%d failed: %s", host, port,
			  m->tls_detail[0] ? m->tls_detail : "no detail from libmosquitto");
}

static bool refused_credentials(int version, int rc)
{
	if (version == MQTT_PROTOCOL_V5)
		return rc == MQTT_RC_BAD_USERNAME_OR_PASSWORD || rc == MQTT_RC_NOT_AUTHORIZED;
	return rc == CONNACK_REFUSED_BAD_USERNAME_PASSWORD || rc == CONNACK_REFUSED_NOT_AUTHORIZED;
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;
	const char *reason;

	m->got_connack = true;
	mosquitto_log_callback_set(m->mosq, NULL);
	if (rc) {
		reason = m->version == MQTT_PROTOCOL_V5 ? mosquitto_reason_string(rc) :
			 mosquitto_connack_string(rc);
		if (refused_credentials(m->version, rc))
			log_error("mqtt: broker %s refused the credentials for user %s "
				  "(check MQTT_USERNAME/MQTT_PASSWORD): %s", m->target,
				  m->cfg->mqtt_username ? m->cfg->mqtt_username : "(none)", reason);
		else
			log_error("mqtt: broker %s refused the connection: %s (MQTT %s)",
				  m->target, reason,
				  m->version == MQTT_PROTOCOL_V5 ? "5" : "3.1.1");
		if (!m->cfg->mqtt_protocol && m->version == MQTT_PROTOCOL_V5 &&
		    (rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION || rc == 1))
			mqtt_set_version(m, MQTT_PROTOCOL_V311);
		return;
	}
	log_info("mqtt: connected to %s (MQTT %s)", m->target,
		 m->version == MQTT_PROTOCOL_V5 ? "5" : "3.1.1");
	m->phase = PH_CONNECTED;
	m->backoff_ms = BACKOFF_MIN_MS;
	m->unacked = 0;         /* a clean session: nothing earlier is pending */
	failover_connected(&m->fo, m->now_ms);
	m->h->connected(m->arg);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;
	bool was_connected = m->phase == PH_CONNECTED;

	if (m->phase == PH_IDLE)
		return;
	if (!m->got_connack && !m->cfg->mqtt_protocol) {
		/* some 3.1.1-only brokers just hang up on an MQTT 5 CONNECT */
		mqtt_set_version(m, m->version == MQTT_PROTOCOL_V5 ? MQTT_PROTOCOL_V311 : MQTT_PROTOCOL_V5);
	}
	if (rc == MOSQ_ERR_TLS && !was_connected)
		mqtt_log_tls_failure(m);
	else if (was_connected || !m->got_connack)  /* a refused CONNACK was logged already */
		log_warn("mqtt: %s %s: %s", was_connected ? "lost connection to" : "could not connect to",
			 m->target, mosquitto_strerror(rc));
	if (was_connected)
		mqtt_schedule_round(m);
	else
		mqtt_schedule_retry(m);
	if (was_connected)
		m->h->disconnected(m->arg);
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int n, const int *granted)
{
	struct mqtt *m = obj;

	if (mid == m->own_mid) {
		m->own_refused = n < 1 || granted[0] >= 0x80;
		if (m->own_refused)
			log_warn("mqtt: the broker refuses reading the agent's own statuses: stale "
				 "statuses are not cleared (allow reading edge/<node>/status/#)");
		return;
	}
	if (mid != m->sub_mid)
		return;
	for (int i = 0; i < n; i++)
		if (granted[i] >= 0x80)
			log_error("mqtt: subscription %d refused by the broker (reason %d)", i, granted[i]);
	m->h->subscribed(m->arg);
}

static void mqtt_connect_join(struct mqtt *m);

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
	struct mqtt *m = obj;

	if (m->unacked)
		m->unacked--;
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct mqtt *m = obj;

	m->h->message(m->arg, msg->topic, msg->payload, (size_t)msg->payloadlen, msg->retain);
}

int mqtt_new(struct mqtt **out, const struct config *cfg, const struct mqtt_handlers *h,
	     void *arg, const char *will_topic, const char *will_payload)
{
	struct mqtt *m = calloc(1, sizeof(*m));
	char client_id[96];
	int rc;

	if (!m)
		return -ENOMEM;
	mosquitto_lib_init();
	snprintf(client_id, sizeof(client_id), "edge-agent-%s", cfg->node_id);
	m->mosq = mosquitto_new(client_id, true, m);
	if (!m->mosq) {
		free(m);
		return -ENOMEM;
	}
	m->cfg = cfg;
	m->h = h;
	m->arg = arg;
	m->backoff_ms = BACKOFF_MIN_MS;
	failover_init(&m->fo, &cfg->brokers, cfg->mqtt_failback_s);
	failover_begin(&m->fo);
	mqtt_set_version(m, cfg->mqtt_protocol == 4 ? MQTT_PROTOCOL_V311 : MQTT_PROTOCOL_V5);
	/* status publishes are small: without this, Nagle holds them for the broker's ACK */
	mosquitto_int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
	mosquitto_subscribe_callback_set(m->mosq, on_subscribe);
	mosquitto_message_callback_set(m->mosq, on_message);
	mosquitto_publish_callback_set(m->mosq, on_publish);
	rc = mosquitto_will_set(m->mosq, will_topic, (int)strlen(will_payload), will_payload, 1, true);
	if (!rc && cfg->mqtt_username)
		rc = mosquitto_username_pw_set(m->mosq, cfg->mqtt_username, cfg->mqtt_password);
	if (!rc && cfg->brokers.v[0].tls) {
		rc = mosquitto_tls_set(m->mosq, cfg->mqtt_ca_file,
				       cfg->mqtt_ca_file ? NULL : "/etc/ssl/certs", NULL, NULL, NULL);
		if (rc == MOSQ_ERR_INVAL && cfg->mqtt_ca_file)
			log_error("mqtt: MQTT_CA_FILE %s cannot be read", cfg->mqtt_ca_file);
	}
	if (rc) {
		log_error("mqtt: setup failed: %s", mosquitto_strerror(rc));
		mqtt_free(m);
		return -EINVAL;
	}
	*out = m;
	return 0;
}

void mqtt_free(struct mqtt *m)
{
	if (!m)
		return;
	mqtt_connect_join(m);
	mosquitto_destroy(m->mosq);
	failover_close(&m->fo);
	mosquitto_lib_cleanup();
	free(m);
}

int mqtt_fd(const struct mqtt *m)
{
	return m->phase == PH_IDLE || m->reaching || m->connector_running ? -1 :
	       mosquitto_socket(m->mosq);
}

bool mqtt_want_write(const struct mqtt *m)
{
	return !m->connector_running && mosquitto_want_write(m->mosq);
}

size_t mqtt_unacked(const struct mqtt *m)
{
	return m ? m->unacked : 0;
}

bool mqtt_connected(const struct mqtt *m)
{
	return m->phase == PH_CONNECTED;
}

static void mqtt_check(struct mqtt *m, int rc)
{
	if (rc == MOSQ_ERR_SUCCESS || m->phase == PH_IDLE)
		return;
	if (mosquitto_socket(m->mosq) < 0 || rc == MOSQ_ERR_CONN_LOST || rc == MOSQ_ERR_NO_CONN)
		on_disconnect(m->mosq, m, rc);
}

/*
 * The kernel drops quick-ACK mode after a while and then delays our ACKs by up to 40 ms;
 * a broker with Nagle on (mosquitto's default) holds its next small packet until that
 * ACK comes. Re-arming after every read removes our half of the stall, whatever the
 * broker is configured to do. Not a TLS matter: the option is on the TCP socket.
 */
static void mqtt_quickack(int fd)
{
	int one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
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

/* mosquitto_loop_read() reads about one packet per call; take all that is waiting. */
static void mqtt_read(struct mqtt *m)
{
	struct pollfd p = { .events = POLLIN };
	int rc;

	mqtt_quickack(mosquitto_socket(m->mosq));
	for (int i = 0; i < READ_BATCH; i++) {
		rc = mosquitto_loop_read(m->mosq, 1);
		if (rc != MOSQ_ERR_SUCCESS) {
			mqtt_check(m, rc);
			return;
		}
		p.fd = mosquitto_socket(m->mosq);
		mqtt_quickack(p.fd);
		if (m->phase == PH_IDLE || p.fd < 0 || poll(&p, 1, 0) != 1)
			return;
	}
}

void mqtt_handle(struct mqtt *m, short revents)
{
	if (revents & (POLLIN | POLLHUP | POLLERR))
		mqtt_read(m);
	if (m->phase != PH_IDLE && (revents & POLLOUT))
		mqtt_check(m, mosquitto_loop_write(m->mosq, 100));
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

static void mqtt_connect_join(struct mqtt *m)
{
	if (!m->connector_running)
		return;
	pthread_join(m->connector, NULL);
	m->connector_running = false;
}

static void mqtt_connect_failed(struct mqtt *m, int rc)
{
	if (rc == MOSQ_ERR_TLS)
		mqtt_log_tls_failure(m);
	else
		log_warn("mqtt: could not connect to %s: %s", m->target,
			 rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	mqtt_schedule_retry(m);
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

	m->connect_addr = failover_address(&m->fo);
	m->connect_port = b->port;
	if (strcmp(m->connect_addr, b->host))
		snprintf(m->target, sizeof(m->target), "%s:%d [%s]", b->host, b->port, m->connect_addr);
	else
		snprintf(m->target, sizeof(m->target), "%s:%d", b->host, b->port);
	m->got_connack = false;
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
		mqtt_schedule_retry(m);
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
		mqtt_schedule_retry(m);
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

const char *mqtt_broker(const struct mqtt *m)
{
	return m->phase == PH_CONNECTED ? m->fo.name : NULL;
}

int mqtt_subscribe(struct mqtt *m, char *const *topics, int n)
{
	int rc = mosquitto_subscribe_multiple(m->mosq, &m->sub_mid, n, topics, 0, 0, NULL);

	return rc ? -EIO : 0;
}

int mqtt_subscribe_own(struct mqtt *m, const char *topic)
{
	int opts = m->version == MQTT_PROTOCOL_V5 ? MQTT_SUB_OPT_NO_LOCAL : 0;

	m->own_refused = true;  /* until the broker grants it */
	return mosquitto_subscribe_v5(m->mosq, &m->own_mid, topic, 0, opts, NULL) ? -EIO : 0;
}

bool mqtt_own_granted(const struct mqtt *m)
{
	return !m->own_refused;
}

int mqtt_unsubscribe(struct mqtt *m, const char *topic)
{
	if (m->phase != PH_CONNECTED)
		return -ENOTCONN;
	return mosquitto_unsubscribe(m->mosq, NULL, topic) ? -EIO : 0;
}

int mqtt_publish(struct mqtt *m, const char *topic, const void *payload, size_t len, int qos,
		 bool retain)
{
	int rc;

	if (m->phase != PH_CONNECTED)
		return -ENOTCONN;
	rc = mosquitto_publish(m->mosq, NULL, topic, (int)len, payload, qos, retain);
	m->unacked += !rc;      /* on_publish counts QoS 0 too, once written */
	if (rc)
		log_warn("mqtt: publish %s failed: %s", topic, mosquitto_strerror(rc));
	return rc ? -EIO : 0;
}

void mqtt_shutdown(struct mqtt *m, const char *topic, const char *payload)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	if (m->phase != PH_CONNECTED)
		return;
	mosquitto_publish(m->mosq, NULL, topic, (int)strlen(payload), payload, 1, true);
	for (int i = 0; i < 100 && mosquitto_want_write(m->mosq); i++) {
		mosquitto_loop_write(m->mosq, 100);
		nanosleep(&ts, NULL);
	}
	m->phase = PH_IDLE;
	mosquitto_disconnect(m->mosq);
	mosquitto_loop_write(m->mosq, 1);
}
