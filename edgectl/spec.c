#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "ctl.h"
#include "endpoint.h"
#include "json_strict.h"
#include "payload.h"
#include "spec.h"

int spec_policy(struct policy *pol)
{
	char err[128];

	memset(pol, 0, sizeof(*pol));
	/* every address a node could allow; the always-refused classes stay refused */
	return cidr_list_parse(&pol->allowed, "0.0.0.0/0,::/0", err, sizeof(err));
}

void spec_policy_free(struct policy *pol)
{
	cidr_list_free(&pol->allowed);
	memset(pol, 0, sizeof(*pol));
}

/* A port as typed: any integer goes into the payload, so the agent's range check speaks. */
static int port_number(const struct ctl_args *a, const char *what, const char *v,
		       json_object **out, char *err, size_t errlen)
{
	char q[96], *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end || v[0] == '+' || v[0] == ' ') {
		payload_quote(q, sizeof(q), v, strlen(v));
		snprintf(err, errlen, "forward %s: %s %s is not a number (accepted: 1..65535)",
			 a->id, what, q);
		return -EINVAL;
	}
	*out = json_object_new_int64(n);
	return *out ? 0 : -ENOMEM;
}

static int add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	return json_object_object_add(o, key, v) ? -ENOMEM : 0;
}

/* --with: its fields join the payload; the agent's parser judges them like the rest. */
static int spec_with(const struct ctl_args *a, json_object *o, char *err, size_t errlen)
{
	const char *kind = object_kind_name(a->kind);
	enum json_tokener_error jerr;
	json_object *w;
	size_t at;
	int ret;

	ret = json_strict_parse(a->with, strlen(a->with), 8, &w, &jerr, &at);
	if (ret == -EINVAL) {
		snprintf(err, errlen, "%s %s: --with is not valid JSON: %s at offset %zu", kind,
			 a->id, json_tokener_error_desc(jerr), at);
		return ret;
	}
	if (ret)
		return ret;
	if (!json_object_is_type(w, json_type_object)) {
		snprintf(err, errlen, "%s %s: --with must be a JSON object", kind, a->id);
		json_object_put(w);
		return -EINVAL;
	}
	json_object_object_foreach(w, key, val) {
		ret = json_object_object_add(o, key, json_object_get(val)) ? -ENOMEM : 0;
		if (ret)
			break;
	}
	json_object_put(w);
	return ret;
}

static int route_json(const struct ctl_args *a, json_object *o, char *err, size_t errlen)
{
	int ret = add(o, "hostname", json_object_new_string(a->host));

	if (!ret && a->url)
		ret = add(o, "target_url", json_object_new_string(a->url));
	if (!ret && a->entrypoint)
		ret = add(o, "entrypoint", json_object_new_string(a->entrypoint));
	if (!ret && a->certresolver)
		ret = add(o, "certresolver", json_object_new_string(a->certresolver));
	if (!ret && a->no_certresolver)
		ret = json_object_object_add(o, "certresolver", NULL) ? -ENOMEM : 0;
	if (!ret && a->with)
		ret = spec_with(a, o, err, errlen);
	return ret;
}

/* --port P or P-E: the public port, or a range (public_port_end). */
static int forward_ports(const struct ctl_args *a, json_object *o, char *err, size_t errlen)
{
	const char *dash = strchr(a->port, '-');
	json_object *port = NULL;
	char *first;
	int ret;

	if (!dash || dash == a->port) {
		ret = port_number(a, "--port", a->port, &port, err, errlen);
		return ret ? ret : add(o, "public_port", port);
	}
	first = strndup(a->port, (size_t)(dash - a->port));
	if (!first)
		return -ENOMEM;
	ret = port_number(a, "--port", first, &port, err, errlen);
	free(first);
	if (!ret)
		ret = add(o, "public_port", port);
	if (!ret)
		ret = port_number(a, "--port end", dash + 1, &port, err, errlen);
	return ret ? ret : add(o, "public_port_end", port);
}

/* --to IP:PORT, or IP alone with a range (the same ports); none with --with targets. */
static int forward_json(const struct ctl_args *a, json_object *o, char *err, size_t errlen)
{
	bool range = strchr(a->port, '-') != NULL;
	struct endpoint_parts to = { 0 };
	json_object *port = NULL;
	char q[96], *ip;
	int ret;

	if (a->to && (endpoint_split(a->to, strlen(a->to), &to) || (!to.port && !range) ||
		      !to.host_n || to.bracketed)) {
		payload_quote(q, sizeof(q), a->to, strlen(a->to));
		snprintf(err, errlen, "forward %s: --to %s is not IP:PORT (accepted: e.g. "
			 "10.50.0.12:8080; IP alone with a --port range)", a->id, q);
		return -EINVAL;
	}
	ret = forward_ports(a, o, err, errlen);
	if (ret || !a->to)
		goto with;
	ip = strndup(to.host, to.host_n);
	if (!ip)
		return -ENOMEM;
	ret = add(o, "target_ip", json_object_new_string(ip));
	free(ip);
	if (!ret && to.port)
		ret = port_number(a, "--to port", to.port, &port, err, errlen);
	if (!ret && to.port)
		ret = add(o, "target_port", port);
with:
	if (!ret)
		ret = add(o, "proto", json_object_new_string(a->udp ? "udp" : "tcp"));
	if (!ret && a->with)
		ret = spec_with(a, o, err, errlen);
	return ret;
}

int spec_build(const struct ctl_args *a, char **json, char *err, size_t errlen)
{
	json_object *o = json_object_new_object();
	struct object *obj = NULL;
	struct policy pol;
	const char *s;
	size_t n;
	int ret;

	*json = NULL;
	if (!o)
		return -ENOMEM;
	ret = a->kind == KIND_ROUTE ? route_json(a, o, err, errlen) : forward_json(a, o, err, errlen);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (ret)
		goto out;
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	ret = spec_policy(&pol);
	if (!ret)
		ret = payload_parse(a->kind, a->id, s, n, &pol, &obj, err, errlen);
	spec_policy_free(&pol);
	object_unref(obj);
	if (ret)
		goto out;
	*json = strndup(s, n);
	if (!*json) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
	}
out:
	json_object_put(o);
	return ret;
}

/* "tcp/20000-20999 -> 10.50.0.12:30000 (allow_from limit preserve_source)" */
static void forward_describe(const struct forward_spec *f, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN], ports[16] = "", to[48];
	int k;

	if (fwd_last_port(f) != f->public_port)
		snprintf(ports, sizeof(ports), "-%u", f->public_port_end);
	inet_ntop(AF_INET, f->n_targets ? &f->targets[0].ip : &f->target_ip, ip, sizeof(ip));
	if (f->n_targets > 1)
		snprintf(to, sizeof(to), "%u targets%s", (unsigned)f->n_targets, f->affinity ?
			 " by source" : "");
	else if (f->n_targets ? f->targets[0].port : f->target_port)
		snprintf(to, sizeof(to), "%s:%u", ip, f->n_targets ? f->targets[0].port :
			 f->target_port);
	else
		snprintf(to, sizeof(to), "%s", ip);
	k = snprintf(buf, len, "%s/%u%s -> %s", object_proto_name(f->proto), f->public_port,
		     ports, to);
	if (k < 0 || (size_t)k >= len || (!f->n_allow && !f->n_allow_sets && !f->conn_per_source &&
					  !f->new_rate && !f->preserve_source && !f->health.interval_ms))
		return;
	snprintf(buf + k, len - (size_t)k, " (%s%s%s%s)",
		 f->n_allow || f->n_allow_sets ? "allow_from " : "",
		 f->conn_per_source || f->new_rate ? "limit " : "",
		 f->health.interval_ms ? "health " : "", f->preserve_source ? "preserve_source " : "");
	k = (int)strlen(buf);
	if (k >= 2 && buf[k - 2] == ' ')
		memmove(buf + k - 2, buf + k - 1, 2);
}

void spec_describe(const struct object *o, char *buf, size_t len)
{
	const struct route_spec *r = &o->route;
	const struct route_extra *x;
	int k;

	if (o->kind == KIND_FORWARD) {
		forward_describe(&o->fwd, buf, len);
		return;
	}
	x = route_extra_of(r);
	if (r->tls == ROUTE_TLS_PASSTHROUGH)
		k = snprintf(buf, len, "%s -> %s (tls passthrough)", r->hostname,
			     x->passthrough_target);
	else if (x->n_targets)
		k = snprintf(buf, len, "%s%s -> %s (+%zu more)", r->hostname,
			     r->path_prefix ? r->path_prefix : "", x->targets[0].url,
			     x->n_targets - 1);
	else
		k = snprintf(buf, len, "%s%s -> %s", r->hostname,
			     r->path_prefix ? r->path_prefix : "", r->target_url);
	if (k < 0 || (size_t)k >= len || (!r->entrypoint && !r->certresolver))
		return;
	snprintf(buf + k, len - (size_t)k, " (%s%s%s%s%s)",
		 r->entrypoint ? "entrypoint " : "", r->entrypoint ? r->entrypoint : "",
		 r->entrypoint && r->certresolver ? ", " : "",
		 r->certresolver ? "certresolver " : "", r->certresolver ? r->certresolver : "");
}
