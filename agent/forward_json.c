#include <arpa/inet.h>

#include "cidr.h"
#include "forward_json.h"

static void targets(struct strbuf *sb, const struct forward_spec *f)
{
	char ip[INET_ADDRSTRLEN];

	strbuf_puts(sb, ",\"targets\":[");
	for (size_t i = 0; i < f->n_targets; i++) {
		inet_ntop(AF_INET, &f->targets[i].ip, ip, sizeof(ip));
		strbuf_printf(sb, "%s{\"ip\":\"%s\"", i ? "," : "", ip);
		if (f->targets[i].port)
			strbuf_printf(sb, ",\"port\":%u", f->targets[i].port);
		if (f->targets[i].weight)
			strbuf_printf(sb, ",\"weight\":%u", f->targets[i].weight);
		strbuf_puts(sb, "}");
	}
	strbuf_puts(sb, "]");
	if (f->affinity)
		strbuf_puts(sb, ",\"affinity\":\"source\"");
	if (f->health.interval_ms)
		strbuf_printf(sb, ",\"health\":{\"interval_ms\":%u,\"timeout_ms\":%u,"
			      "\"unhealthy_after\":%u,\"healthy_after\":%u}", f->health.interval_ms,
			      f->health.timeout_ms, f->health.unhealthy_after,
			      f->health.healthy_after);
}

static void allow(struct strbuf *sb, const struct forward_spec *f)
{
	char text[CIDR_TEXT_LEN];

	if (!f->n_allow && !f->n_allow_sets)
		return;
	strbuf_puts(sb, ",\"allow_from\":[");
	for (size_t i = 0; i < f->n_allow; i++) {
		cidr_format(text, sizeof(text), &f->allow[i]);
		strbuf_printf(sb, "%s\"%s\"", i ? "," : "", text);
	}
	for (size_t i = 0; i < f->n_allow_sets; i++)
		strbuf_printf(sb, "%s\"@%s\"", i || f->n_allow ? "," : "", f->allow_sets[i]);
	strbuf_puts(sb, "]");
}

static void limit(struct strbuf *sb, const struct forward_spec *f)
{
	if (!f->conn_per_source && !f->new_rate)
		return;
	strbuf_puts(sb, ",\"limit\":{");
	if (f->conn_per_source)
		strbuf_printf(sb, "\"connections_per_source\":%u", f->conn_per_source);
	if (f->new_rate)
		strbuf_printf(sb, "%s\"new_per_source\":\"%u/%s\"", f->conn_per_source ? "," : "",
			      f->new_rate, f->new_rate_unit == RATE_MINUTE ? "minute" : "second");
	strbuf_puts(sb, "}");
}

void forward_json(struct strbuf *sb, const struct forward_spec *f)
{
	char ip[INET_ADDRSTRLEN];

	strbuf_printf(sb, "{\"public_port\":%u", f->public_port);
	if (fwd_last_port(f) != f->public_port)
		strbuf_printf(sb, ",\"public_port_end\":%u", f->public_port_end);
	if (f->n_targets) {
		targets(sb, f);
	} else {
		inet_ntop(AF_INET, &f->target_ip, ip, sizeof(ip));
		strbuf_printf(sb, ",\"target_ip\":\"%s\"", ip);
		if (f->target_port)
			strbuf_printf(sb, ",\"target_port\":%u", f->target_port);
	}
	strbuf_printf(sb, ",\"proto\":\"%s\"", object_proto_name(f->proto));
	allow(sb, f);
	limit(sb, f);
	if (f->preserve_source)
		strbuf_puts(sb, ",\"preserve_source\":true");
	strbuf_puts(sb, "}");
}
