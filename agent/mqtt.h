/* The MQTT edge: libmosquitto driven from the agent's own poll loop. */
#ifndef EDGE_MQTT_H
#define EDGE_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct mqtt;

struct mqtt_handlers {
	void (*connected)(void *arg);
	void (*disconnected)(void *arg);
	void (*subscribed)(void *arg);
	void (*message)(void *arg, const char *topic, const void *payload, size_t len, bool retained);
};

int mqtt_new(struct mqtt **out, const struct config *cfg, const struct mqtt_handlers *h,
	     void *arg, const char *will_topic, const char *will_payload);
void mqtt_free(struct mqtt *m);
/* The socket to poll (-1 while not connected) and whether to poll for writing too. */
int mqtt_fd(const struct mqtt *m);
bool mqtt_want_write(const struct mqtt *m);
void mqtt_handle(struct mqtt *m, short revents);
/*
 * Keepalive; connects to the brokers in order (each address of a name in turn), with
 * capped exponential backoff after a whole round; moves back to an earlier broker that
 * has answered for MQTT_FAILBACK_S. Returns ms until the next call. (mqtt_connect.c)
 */
int64_t mqtt_tick(struct mqtt *m, int64_t now_ms);
bool mqtt_connected(const struct mqtt *m);
/* Publishes the broker has not acknowledged yet (a replay queues thousands of statuses). */
size_t mqtt_unacked(const struct mqtt *m);
/* The broker in use as mqtt[s]://host:port, NULL while not connected. */
const char *mqtt_broker(const struct mqtt *m);
int mqtt_subscribe(struct mqtt *m, char *const *topics, int n);
/* Subscribes to topics the agent publishes itself, without its own copies where MQTT 5 allows. */
int mqtt_subscribe_own(struct mqtt *m, const char *topic);
/* Whether the broker granted the last mqtt_subscribe_own. */
bool mqtt_own_granted(const struct mqtt *m);
int mqtt_unsubscribe(struct mqtt *m, const char *topic);
int mqtt_publish(struct mqtt *m, const char *topic, const void *payload, size_t len, int qos,
		 bool retain);
/* Publishes and flushes what it can before a clean disconnect. */
void mqtt_shutdown(struct mqtt *m, const char *topic, const char *payload);

#endif
