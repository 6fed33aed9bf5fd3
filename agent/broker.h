/* The broker list (MQTT_URL): parsing and the names used in logs and the node status. Pure. */
#ifndef EDGE_BROKER_H
#define EDGE_BROKER_H

#include <stdbool.h>
#include <stddef.h>

#define MAX_BROKERS 8
#define BROKER_URL_MAX 300      /* one entry, "mqtts://" and the port included */

struct broker {
	char host[256];         /* a name or an IP literal, without brackets */
	int port;
	bool tls;
};

/* In order of preference: the agent uses the first that answers. */
struct broker_list {
	struct broker v[MAX_BROKERS];
	size_t n;
};

/*
 * "mqtt://a:1883,mqtt://b" into l. All entries share one scheme (the TLS settings are
 * common to all). Returns 0 or -EINVAL with err saying which entry is wrong and why.
 */
int broker_list_parse(struct broker_list *l, const char *v, char *err, size_t errlen);
/* mqtt://host:port, [v6] in brackets */
void broker_format(char *buf, size_t len, const struct broker *b);

#endif
