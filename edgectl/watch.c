#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch.h"

void watch_init(struct watch *w, const struct ctl_args *a, const char *prefix,
		const char *payload, size_t len)
{
	const char *kinds = object_kind_plural(a->kind);

	memset(w, 0, sizeof(*w));
	w->cmd = a->cmd;
	w->kind = a->kind;
	snprintf(w->id, sizeof(w->id), "%s", a->id);
	snprintf(w->source, sizeof(w->source), "%s", a->target);
	snprintf(w->node, sizeof(w->node), "%s", a->node[0] ? a->node : a->target);
	w->payload = payload;
	w->len = len;
	if (payload)
		payload_digest(payload, len, w->digest);
	snprintf(w->t_desired, TOPIC_LEN, "%s/%s/%s/%s", prefix, w->source, kinds, w->id);
	snprintf(w->t_own, TOPIC_LEN, "%s/%s/%s/%s", prefix, w->node, kinds, w->id);
	snprintf(w->t_status, TOPIC_LEN, "%s/%s/status/%s/%s", prefix, w->node, kinds, w->id);
	snprintf(w->t_node, TOPIC_LEN, "%s/%s/status", prefix, w->node);
	snprintf(w->t_bridges, TOPIC_LEN, "%s/_bridges/+", prefix);
}

void watch_free(struct watch *w)
{
	report_object_free(&w->st);
	free(w->st_raw);
	w->st_raw = NULL;
}

int watch_topics(struct watch *w, char **topics)
{
	int n = 0;

	topics[n++] = w->t_desired;
	topics[n++] = w->t_status;
	topics[n++] = w->t_node;
	topics[n++] = w->t_bridges;
	if (strcmp(w->t_own, w->t_desired))
		topics[n++] = w->t_own;
	return n;
}

void watch_feed(struct watch *w, const struct msg *m)
{
	bool live = m->after_publish && !m->retained;

	char prefix[TOPIC_LEN];

	snprintf(prefix, sizeof(prefix), "%.*s", (int)(strlen(w->t_bridges) - strlen("/_bridges/+")),
		 w->t_bridges);
	if (report_bridges_note(&w->br, prefix, m->topic, m->payload, m->len))
		return;
	/* only the replay tells what the broker held: live copies may be our own publish */
	if (!strcmp(m->topic, w->t_desired)) {
		if (m->retained && !m->after_publish) {
			w->had_desired = m->len > 0 && !payload_tombstone(m->payload, m->len);
			w->same_as_retained = w->payload && m->len == w->len &&
					      !memcmp(m->payload, w->payload, m->len);
		}
	} else if (!strcmp(m->topic, w->t_own)) {
		if (m->retained && !m->after_publish)
			w->node_own = m->len > 0 && !payload_tombstone(m->payload, m->len);
	} else if (!strcmp(m->topic, w->t_status)) {
		report_object_parse(&w->st, m->payload, m->len);
		free(w->st_raw);
		w->st_raw = m->len ? strndup(m->payload, m->len) : NULL;
		w->st_fresh = live;
	} else if (!strcmp(m->topic, w->t_node)) {
		report_node_parse(&w->ni, m->payload, m->len);
		w->processed |= live;
	}
}

static enum verdict state_verdict(const char *state)
{
	if (!strcmp(state, "applied"))
		return V_APPLIED;
	if (!strcmp(state, "failed"))
		return V_FAILED;
	return V_REJECTED;
}

/*
 * A put is answered by a status from the object's source whose digest is that of our
 * payload. An agent without digests says nothing when an applied object stays applied:
 * then a status published after ours counts, or a node status (the agent has processed
 * what came before it), or the status already there when the payload did not change.
 */
enum verdict watch_verdict(const struct watch *w)
{
	const struct obj_status *st = &w->st;

	if (w->cmd == CMD_RM)
		return !st->present || strcmp(st->source, w->source) ? V_REMOVED : V_WAIT;
	if (!st->present || strcmp(st->source, w->source))
		return V_WAIT;
	if (st->digest[0])
		return strcmp(st->digest, w->digest) ? V_WAIT : state_verdict(st->state);
	if (w->st_fresh || w->processed || w->same_as_retained)
		return state_verdict(st->state);
	return V_WAIT;
}

bool watch_cut(const struct watch *w)
{
	return w->ni.online && report_bridges_cut(&w->br, &w->ni);
}

void watch_why(const struct watch *w, char *buf, size_t len)
{
	const char *kind = object_kind_name(w->kind);

	if (!w->ni.present)
		snprintf(buf, len, "node %s has never published a status (is its agent running, "
			 "with this TOPIC_PREFIX?)", w->node);
	else if (!w->ni.online)
		snprintf(buf, len, "node %s is offline; the %s stays published and applies when "
			 "it is back", w->node, w->cmd == CMD_RM ? "deletion" : kind);
	else if (watch_cut(w))
		snprintf(buf, len, "node %s is unreachable: the bridge from its broker %s to this "
			 "one is down; the %s stays published and applies when it returns", w->node,
			 w->ni.broker_host, w->cmd == CMD_RM ? "deletion" : kind);
	else if (w->cmd == CMD_PUT && w->node_own && strcmp(w->node, w->source))
		snprintf(buf, len, "%s's own %s %s takes precedence over %s's", w->node, kind,
			 w->id, w->source);
	else if (w->st.present && strcmp(w->st.source, w->source))
		snprintf(buf, len, "the status on %s is about %s's %s, which takes precedence",
			 w->node, w->st.source[0] ? w->st.source : "another", kind);
	else
		snprintf(buf, len, "node %s did not answer", w->node);
}
