#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "config.h"
#include "endpoint.h"

#define KEEPALIVE_S 30
#define BROKER_MS 3000 /* the most one broker of several may take to answer */
#define STEP_MS 50
#define QUIET_MS 150    /* after the marker: brokers that send it early still finish */
#define SILENT_MS 2000  /* no marker (an ACL?) and nothing at all for this long: give up */
#define NO_MARKER_MS 500 /* the ACL refused the marker: quiet this long ends the replay */

struct bus {
	struct mosquitto *mosq;
	const struct config *cfg;
	const struct broker *br;        /* tried or in use */
	bus_msg_fn fn;
	void *arg;
	int version;
	bool connack;
	int connack_rc;
	bool lost;
	int lost_rc;
	int sub_mid;
	bool subacked;
	bool sub_refused;
	int marker_idx;         /* its index in the pending SUBSCRIBE, -1 if not in it */
	int marker_mid;
	bool marker_refused;    /* by the ACL: the SUBACK or (MQTT 5) the PUBACK said so */
	int pub_mid;
	bool puback;
	int puback_rc;
	bool published;
	bool marker_subscribed;
	bool marker_seen;
	int64_t last_retained_ms;
	int64_t last_any_ms;
	unsigned settles;
	char marker[256];
	char nonce[40];
};

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct bus *b = obj;

	b->connack = true;
	b->connack_rc = rc;
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct bus *b = obj;

	b->lost = true;
	b->lost_rc = rc;
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int n, const int *granted)
{
	struct bus *b = obj;

	if (mid != b->sub_mid)
		return;
	b->subacked = true;
	for (int i = 0; i < n; i++) {
		if (granted[i] < 0x80)
			continue;
		if (i == b->marker_idx)
			b->marker_refused = true;
		else
			b->sub_refused = true;
	}
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid, int rc,
		       const mosquitto_property *props)
{
	struct bus *b = obj;

	if (mid == b->marker_mid && rc >= 0x80)
		b->marker_refused = true;
	if (mid != b->pub_mid)
		return;
	b->puback = true;
	b->puback_rc = rc;
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *mm)
{
	struct bus *b = obj;
	struct msg m = {
		.topic = mm->topic,
		.payload = mm->payload ? mm->payload : "",
		.len = (size_t)mm->payloadlen,
		.retained = mm->retain,
		.after_publish = b->published,
	};

	if (b->marker_subscribed && !strcmp(mm->topic, b->marker)) {
		if (m.len == strlen(b->nonce) && !memcmp(m.payload, b->nonce, m.len))
			b->marker_seen = true;
		return;
	}
	b->last_any_ms = clock_ms();
	if (mm->retain)
		b->last_retained_ms = b->last_any_ms;
	b->fn(b->arg, &m);
}

static const char *rc_text(int rc)
{
	if (rc == MOSQ_ERR_TLS)
		return "TLS handshake failed (is the broker's CA in MQTT_CA_FILE, and its "
		       "certificate for this host name?)";
	return rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc);
}

/* One bounded turn of the loop; a lost connection is recorded in b->lost. */
static void bus_step(struct bus *b, int64_t deadline)
{
	int64_t left = deadline - clock_ms();
	int rc;

	if (left <= 0)
		return;
	rc = mosquitto_loop(b->mosq, left < STEP_MS ? (int)left : STEP_MS, 1);
	if (rc != MOSQ_ERR_SUCCESS && !b->lost) {
		b->lost = true;
		b->lost_rc = rc;
		if (rc == MOSQ_ERR_ERRNO)
			b->lost_rc = -errno;
	}
}

static const char *lost_text(const struct bus *b)
{
	return b->lost_rc < 0 ? strerror(-b->lost_rc) : rc_text(b->lost_rc);
}

static int bus_try(struct bus *b, int version, int64_t deadline, char *err, size_t errlen)
{
	const struct broker *c = b->br;
	const char *v = version == MQTT_PROTOCOL_V5 ? "5" : "3.1.1";
	char at[BROKER_URL_MAX];
	int rc;

	endpoint_join(at, sizeof(at), c->host, (unsigned)c->port);
	b->version = version;
	b->connack = b->lost = false;
	mosquitto_int_option(b->mosq, MOSQ_OPT_PROTOCOL_VERSION, version);
	rc = mosquitto_connect_async(b->mosq, c->host, c->port, KEEPALIVE_S);
	if (rc) {
		snprintf(err, errlen, "cannot connect to %s: %s", at, rc_text(rc));
		return -ECONNREFUSED;
	}
	while (!b->connack && !b->lost && clock_ms() < deadline)
		bus_step(b, deadline);
	if (b->connack && b->connack_rc == 0)
		return 0;
	if (b->connack) {
		snprintf(err, errlen, "broker %s refused the connection: %s (MQTT %s)", at,
			 version == MQTT_PROTOCOL_V5 ?
			 mosquitto_reason_string(b->connack_rc) :
			 mosquitto_connack_string(b->connack_rc), v);
		return -EACCES;
	}
	if (b->lost) {
		snprintf(err, errlen, "cannot connect to %s: %s", at, lost_text(b));
		return -ECONNRESET;
	}
	snprintf(err, errlen, "no answer from the broker %s", at);
	return -ETIMEDOUT;
}

static bool protocol_refused(const struct bus *b, int ret)
{
	/* an MQTT 3.1.1 broker answers version 5 with a refusal, or just hangs up */
	return ret == -ECONNRESET ||
	       (ret == -EACCES && (b->connack_rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION ||
				   b->connack_rc == 1));
}

/*
 * The brokers of MQTT_URL in order, the first that answers; a broker that is not the
 * last gets at most BROKER_MS of the time. err lists why each one failed.
 */
static int bus_connect(struct bus *b, int64_t deadline, char *err, size_t errlen)
{
	const struct config *cfg = b->cfg;
	char why[512];
	size_t used = 0;
	int64_t until;
	int ret = -ENOTCONN;

	err[0] = '\0';
	for (size_t i = 0; i < cfg->brokers.n && clock_ms() < deadline; i++) {
		b->br = &cfg->brokers.v[i];
		until = i + 1 < cfg->brokers.n && deadline - clock_ms() > BROKER_MS ?
			clock_ms() + BROKER_MS : deadline;
		ret = bus_try(b, cfg->mqtt_protocol == 4 ? MQTT_PROTOCOL_V311 : MQTT_PROTOCOL_V5,
			      until, why, sizeof(why));
		if (ret && !cfg->mqtt_protocol && protocol_refused(b, ret)) {
			mosquitto_disconnect(b->mosq);
			ret = bus_try(b, MQTT_PROTOCOL_V311, until, why, sizeof(why));
		}
		if (!ret)
			return 0;
		if (used < errlen)
			used += (size_t)snprintf(err + used, errlen - used, "%s%s", used ? "; " : "", why);
	}
	return ret;
}

int bus_open(struct bus **out, const struct config *cfg, bus_msg_fn fn, void *arg,
	     int64_t deadline, char *err, size_t errlen)
{
	struct bus *b = calloc(1, sizeof(*b));
	unsigned char rnd[8] = { 0 };
	char id[64];
	int rc, ret;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	mosquitto_lib_init();
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memcpy(rnd, &(int64_t){ clock_ms() }, sizeof(rnd));
	snprintf(id, sizeof(id), "edgectl-%ld-%02x%02x%02x%02x", (long)getpid(), rnd[0], rnd[1],
		 rnd[2], rnd[3]);
	snprintf(b->nonce, sizeof(b->nonce), "%02x%02x%02x%02x-0", rnd[4], rnd[5], rnd[6], rnd[7]);
	/* brokers that make the username the client id (broker-config/) grant it per account */
	snprintf(b->marker, sizeof(b->marker), "%s/_edgectl/%s", cfg->topic_prefix,
		 cfg->mqtt_username && cfg->mqtt_username[0] &&
		 !strpbrk(cfg->mqtt_username, "+#/") ? cfg->mqtt_username : id);
	b->cfg = cfg;
	b->fn = fn;
	b->arg = arg;
	b->mosq = mosquitto_new(id, true, b);
	if (!b->mosq) {
		free(b);
		mosquitto_lib_cleanup();
		return -ENOMEM;
	}
	mosquitto_int_option(b->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_callback_set(b->mosq, on_connect);
	mosquitto_disconnect_callback_set(b->mosq, on_disconnect);
	mosquitto_subscribe_callback_set(b->mosq, on_subscribe);
	mosquitto_publish_v5_callback_set(b->mosq, on_publish);
	mosquitto_message_callback_set(b->mosq, on_message);
	rc = MOSQ_ERR_SUCCESS;
	if (cfg->mqtt_username)
		rc = mosquitto_username_pw_set(b->mosq, cfg->mqtt_username, cfg->mqtt_password);
	if (!rc && cfg->brokers.v[0].tls)
		rc = mosquitto_tls_set(b->mosq, cfg->mqtt_ca_file,
				       cfg->mqtt_ca_file ? NULL : "/etc/ssl/certs", NULL, NULL, NULL);
	if (rc) {
		snprintf(err, errlen, "MQTT setup failed: %s", rc_text(rc));
		bus_close(b);
		return -EINVAL;
	}
	ret = bus_connect(b, deadline, err, errlen);
	if (ret) {
		bus_close(b);
		return ret;
	}
	*out = b;
	return 0;
}

void bus_close(struct bus *b)
{
	if (!b)
		return;
	if (b->connack && !b->lost) {
		mosquitto_disconnect(b->mosq);
		mosquitto_loop(b->mosq, 10, 1);
	}
	mosquitto_destroy(b->mosq);
	mosquitto_lib_cleanup();
	free(b);
}

static int lost_fail(const struct bus *b, char *err, size_t errlen)
{
	char at[BROKER_URL_MAX];

	endpoint_join(at, sizeof(at), b->br->host, (unsigned)b->br->port);
	snprintf(err, errlen, "lost the connection to %s: %s", at, lost_text(b));
	return -ECONNRESET;
}

int bus_subscribe(struct bus *b, char *const *topics, int n, int64_t deadline,
		  char *err, size_t errlen)
{
	char *all[16];
	int rc, k = 0;

	if (n < 1 || n > 15) {
		snprintf(err, errlen, "subscribe: %d topics (accepted: 1..15)", n);
		return -EINVAL;
	}
	for (int i = 0; i < n; i++)
		all[k++] = topics[i];
	b->marker_idx = -1;
	if (!b->marker_subscribed) {
		b->marker_idx = k;
		all[k++] = b->marker;
	}
	b->subacked = b->sub_refused = false;
	rc = mosquitto_subscribe_multiple(b->mosq, &b->sub_mid, k, all, 0, 0, NULL);
	if (rc) {
		snprintf(err, errlen, "subscribe failed: %s", rc_text(rc));
		return -EIO;
	}
	b->marker_subscribed = true;
	while (!b->subacked && !b->lost && clock_ms() < deadline)
		bus_step(b, deadline);
	if (b->lost)
		return lost_fail(b, err, errlen);
	if (!b->subacked) {
		snprintf(err, errlen, "the broker did not acknowledge the subscription");
		return -ETIMEDOUT;
	}
	if (b->sub_refused) {
		snprintf(err, errlen, "the broker refused a subscription (check its ACL for %s)",
			 topics[0]);
		return -EACCES;
	}
	return 0;
}

static bool settled(const struct bus *b)
{
	int64_t now = clock_ms();

	if (b->marker_refused)
		return now - b->last_any_ms >= NO_MARKER_MS;
	if (b->marker_seen)
		return now - b->last_retained_ms >= QUIET_MS;
	return now - b->last_any_ms >= SILENT_MS;
}

int bus_settle(struct bus *b, int64_t deadline, char *err, size_t errlen)
{
	char *dash = strrchr(b->nonce, '-');
	int rc;

	if (dash)
		snprintf(dash + 1, sizeof(b->nonce) - (size_t)(dash + 1 - b->nonce), "%u", b->settles++);
	b->marker_seen = false;
	b->last_retained_ms = b->last_any_ms = clock_ms();
	/* QoS 1: an MQTT 5 broker's ACL refusal comes back in the PUBACK at once */
	if (!b->marker_refused) {
		rc = mosquitto_publish(b->mosq, &b->marker_mid, b->marker, (int)strlen(b->nonce),
				       b->nonce, 1, false);
		if (rc) {
			snprintf(err, errlen, "publish to %s failed: %s", b->marker, rc_text(rc));
			return -EIO;
		}
	}
	while (!b->lost && clock_ms() < deadline && !settled(b))
		bus_step(b, deadline);
	if (b->lost)
		return lost_fail(b, err, errlen);
	if (!b->marker_seen && !b->marker_refused) {
		snprintf(err, errlen, "the end of the retained messages is not confirmed: the "
			 "marker on %s did not come back (does the ACL allow it?)", b->marker);
		return -ETIMEDOUT;
	}
	return 0;
}

bool bus_v5(const struct bus *b)
{
	return b->version == MQTT_PROTOCOL_V5;
}

int bus_publish(struct bus *b, const char *topic, const void *payload, size_t len,
		long expiry_s, int64_t deadline, char *err, size_t errlen)
{
	mosquitto_property *props = NULL;
	int rc;

	b->puback = false;
	if (expiry_s > 0 && bus_v5(b) &&
	    mosquitto_property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, (uint32_t)expiry_s)) {
		snprintf(err, errlen, "publish to %s: out of memory", topic);
		return -ENOMEM;
	}
	rc = mosquitto_publish_v5(b->mosq, &b->pub_mid, topic, (int)len, payload, 1, true, props);
	mosquitto_property_free_all(&props);
	if (rc) {
		snprintf(err, errlen, "publish to %s failed: %s", topic, rc_text(rc));
		return -EIO;
	}
	while (!b->puback && !b->lost && clock_ms() < deadline)
		bus_step(b, deadline);
	if (b->lost)
		return lost_fail(b, err, errlen);
	if (!b->puback) {
		snprintf(err, errlen, "the broker did not acknowledge the publish to %s", topic);
		return -ETIMEDOUT;
	}
	if (b->puback_rc >= 0x80) {
		snprintf(err, errlen, "the broker refused the publish to %s: %s", topic,
			 mosquitto_reason_string(b->puback_rc));
		return -EACCES;
	}
	b->published = true;
	return 0;
}

int bus_wait(struct bus *b, int64_t deadline, bool (*done)(void *arg), void *arg,
	     char *err, size_t errlen)
{
	while (!done(arg) && !b->lost && clock_ms() < deadline)
		bus_step(b, deadline);
	if (done(arg))
		return 0;
	if (b->lost)
		return lost_fail(b, err, errlen);
	return -ETIMEDOUT;
}
