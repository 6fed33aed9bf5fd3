/*
 * The broker edge of edgectl: one short-lived libmosquitto connection driven in bounded
 * waits, filling a msglist. Everything that interprets messages is pure and works on
 * struct msg.
 */
#ifndef EDGECTL_BUS_H
#define EDGECTL_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "msglist.h"

struct config;
struct bus;

typedef void (*bus_msg_fn)(void *arg, const struct msg *m);


/*
 * Connects with the agent's MQTT settings (same TLS, credentials, protocol fallback).
 * Every message received is handed to fn. Returns 0 or -errno with err set.
 */
int bus_open(struct bus **out, const struct config *cfg, bus_msg_fn fn, void *arg,
	     int64_t deadline, char *err, size_t errlen);
void bus_close(struct bus *b);
/* Subscribes at QoS 0 (the broker then sends every retained message) and waits for SUBACK. */
int bus_subscribe(struct bus *b, char *const *topics, int n, int64_t deadline,
		  char *err, size_t errlen);
/*
 * Waits until the retained messages of every subscription so far have arrived, as the
 * agent does: a marker published to our own topic came back and no retained message came
 * for a quiet period. -ETIMEDOUT (err says why) when the marker did not come back by
 * deadline; what arrived is kept either way.
 */
int bus_settle(struct bus *b, int64_t deadline, char *err, size_t errlen);
/*
 * Publishes retained at QoS 1 and waits for the broker's acknowledgement; expiry_s > 0
 * sets the MQTT 5 message expiry (ignored over MQTT 3.1.1, which has none).
 */
int bus_publish(struct bus *b, const char *topic, const void *payload, size_t len,
		long expiry_s, int64_t deadline, char *err, size_t errlen);
/* MQTT 5 or not (then message expiry is unavailable). */
bool bus_v5(const struct bus *b);
/* Runs until done(arg) is true (0), deadline (-ETIMEDOUT) or a lost connection. */
int bus_wait(struct bus *b, int64_t deadline, bool (*done)(void *arg), void *arg,
	     char *err, size_t errlen);

#endif
