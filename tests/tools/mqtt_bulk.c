/*
 * mqtt_bulk: publishes many retained messages fast, for tests and benchmarks.
 * stdin: one message per line, "topic<TAB>payload" (no TAB: empty payload = delete).
 * usage: mqtt_bulk [-h host] [-p port] [-q qos] [-V 311]; exits once all are acknowledged.
 */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int acked, connected;

static void on_connect(struct mosquitto *m, void *o, int rc)
{
	connected = rc == 0 ? 1 : -1;
}

static void on_publish(struct mosquitto *m, void *o, int mid)
{
	acked++;
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1";
	int port = 1883, qos = 1, v311 = 0, sent = 0, opt;
	struct mosquitto *m;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((opt = getopt(argc, argv, "h:p:q:V:")) != -1) {
		if (opt == 'h')
			host = optarg;
		else if (opt == 'p')
			port = atoi(optarg);
		else if (opt == 'q')
			qos = atoi(optarg);
		else if (opt == 'V')
			v311 = strcmp(optarg, "311") == 0;
	}
	mosquitto_lib_init();
	m = mosquitto_new(NULL, true, NULL);
	if (!m)
		return 2;
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, v311 ? MQTT_PROTOCOL_V311 : MQTT_PROTOCOL_V5);
	mosquitto_max_inflight_messages_set(m, 1000);
	mosquitto_connect_callback_set(m, on_connect);
	mosquitto_publish_callback_set(m, on_publish);
	if (mosquitto_connect(m, host, port, 30) != MOSQ_ERR_SUCCESS) {
		fprintf(stderr, "mqtt_bulk: cannot connect to %s:%d\n", host, port);
		return 2;
	}
	while (!connected)
		mosquitto_loop(m, 100, 1);
	if (connected < 0)
		return 2;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		char *tab;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (!n)
			continue;
		tab = strchr(line, '\t');
		if (tab)
			*tab++ = '\0';
		if (mosquitto_publish(m, NULL, line, tab ? (int)strlen(tab) : 0, tab, qos, true)) {
			fprintf(stderr, "mqtt_bulk: publish failed\n");
			return 2;
		}
		sent++;
		while (qos && sent - acked > 500)
			mosquitto_loop(m, 100, 1);
		if (!qos && sent % 200 == 0)
			mosquitto_loop(m, 0, 1);
	}
	while (qos && acked < sent)
		mosquitto_loop(m, 100, 1);
	for (int i = 0; i < 20 && mosquitto_want_write(m); i++)
		mosquitto_loop(m, 10, 1);
	mosquitto_disconnect(m);
	mosquitto_loop(m, 10, 1);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	free(line);
	fprintf(stderr, "mqtt_bulk: %d message(s) published\n", sent);
	return 0;
}
