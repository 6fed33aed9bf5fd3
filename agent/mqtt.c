#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "mqtt_int.h"

/* Packets read per wake-up: a retained replay is applied in batches, not one by one. */
#define READ_BATCH 2048

static void mqtt_set_version(struct mqtt *m, int version)
{
	m->version = version;
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION, version);
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
		if (!m->cfg->mqtt_protocol && m->version == MQTT_PROTOCOL_V5 &&
		    (rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION || rc == 1)) {
			log_info("mqtt: broker %s refused MQTT 5 (%s): connecting again with MQTT 3.1.1",
				 m->target, reason);
			mqtt_set_version(m, MQTT_PROTOCOL_V311);
			m->version_retry = true;
			return;
		}
		if (refused_credentials(m->version, rc))
			log_error("mqtt: broker %s refused the credentials for user %s "
				  "(check MQTT_USERNAME/MQTT_PASSWORD): %s", m->target,
				  m->cfg->mqtt_username ? m->cfg->mqtt_username : "(none)", reason);
		else
			log_error("mqtt: broker %s refused the connection: %s (MQTT %s)",
				  m->target, reason,
				  m->version == MQTT_PROTOCOL_V5 ? "5" : "3.1.1");
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
	if (m->version_retry) {
		m->version_retry = false;
		mqtt_connect_again(m);
		return;
	}
	if (!m->got_connack && !m->cfg->mqtt_protocol) {
		/* some 3.1.1-only brokers just hang up on an MQTT 5 CONNECT */
		mqtt_set_version(m, m->version == MQTT_PROTOCOL_V5 ? MQTT_PROTOCOL_V311 : MQTT_PROTOCOL_V5);
	}
	if (rc == MOSQ_ERR_TLS && !was_connected)
		mqtt_connect_log_tls(m);
	else if (was_connected || !m->got_connack)  /* a refused CONNACK was logged already */
		log_warn("mqtt: %s %s: %s", was_connected ? "lost connection to" : "could not connect to",
			 m->target, mosquitto_strerror(rc));
	if (was_connected)
		mqtt_connect_round(m);
	else
		mqtt_connect_retry(m);
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

void mqtt_check(struct mqtt *m, int rc)
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
