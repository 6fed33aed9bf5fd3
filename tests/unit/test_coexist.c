/*
 * Coexistence, pure part: the mark in our table, reading libnftables JSON and
 * iptables-save, judging the forward hook, and the plan with its exact messages.
 * Fixtures in tests/fixtures/ (run from the repository root, as tests/run.sh does):
 * docker-2x-iptables.rules as Docker writes them, docker-2x-nft-filter.json the
 * `nft -j list table ip filter` of the same rules loaded with iptables-nft-restore.
 */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "coexist.h"
#include "coexist_parse.h"
#include "coexist_plan.h"
#include "nft_render.h"

#define MARK "0x2000/0x2000"
#define USER_RULE "-A DOCKER-USER -m mark --mark 0x2000/0x2000 -m comment --comment edge-agent:edge_agent -j ACCEPT\n"

static struct coexist_plan_conf conf;

static char *slurp(const char *name)
{
	char path[256];
	struct strbuf sb;
	char buf[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s", getenv("EDGE_ROOT") ? getenv("EDGE_ROOT") : ".", name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return sb.buf;
}

/* JSON plan of a listing; plan out. Returns the parse result. */
static int plan_json(const char *json, bool may_add, struct coexist_plan *plan)
{
	struct coexist_ruleset rs = { 0 };
	int ret = coexist_parse_nft_json(&rs, &conf, json);

	coexist_plan_make(&rs, &conf, may_add, plan);
	coexist_parse_free(&rs);
	return ret;
}

static int plan_save(const char *text, bool may_add, struct coexist_plan *plan)
{
	struct coexist_ruleset rs = { 0 };
	int ret = coexist_parse_iptables_save(&rs, &conf, text);

	coexist_plan_make(&rs, &conf, may_add, plan);
	coexist_parse_free(&rs);
	return ret;
}

/*
 * A one-table listing: base chain fw (hook forward, policy, prio) and a regular chain
 * sub; rules are JSON expr arrays, for fw, or for sub when they start with '>'.
 */
static char *listing_prio(const char *family, const char *table, const char *policy, int prio,
			  const char *const *rules)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_printf(&sb, "{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}, "
		      "{\"table\": {\"family\": \"%s\", \"name\": \"%s\", \"handle\": 1}}, "
		      "{\"chain\": {\"family\": \"%s\", \"table\": \"%s\", \"name\": \"fw\", \"handle\": 1, "
		      "\"type\": \"filter\", \"hook\": \"forward\", \"prio\": %d, \"policy\": \"%s\"}}, "
		      "{\"chain\": {\"family\": \"%s\", \"table\": \"%s\", \"name\": \"sub\", \"handle\": 2}}",
		      family, table, family, table, prio, policy, family, table);
	for (int i = 0; rules && rules[i]; i++)
		strbuf_printf(&sb, ", {\"rule\": {\"family\": \"%s\", \"table\": \"%s\", \"chain\": \"%s\", "
			      "\"handle\": %d, \"expr\": %s}}", family, table,
			      rules[i][0] == '>' ? "sub" : "fw", 10 + i, rules[i] + (rules[i][0] == '>'));
	strbuf_puts(&sb, "]}");
	return sb.buf;
}

static char *listing(const char *family, const char *table, const char *policy, const char *const *rules)
{
	return listing_prio(family, table, policy, 0, rules);
}

static void test_parse_conf(void)
{
	uint32_t m = 0, k = 0;
	enum coexist_mode mode = COEXIST_OFF;

	CHECK("mark: single value is its own mask", coexist_mark_parse("0x2000", &m, &k) == 0 &&
	      m == 0x2000 && k == 0x2000);
	CHECK("mark: value/mask", coexist_mark_parse("0x2000/0xf000", &m, &k) == 0 &&
	      m == 0x2000 && k == 0xf000);
	CHECK("mark: decimal", coexist_mark_parse("4096", &m, &k) == 0 && m == 4096);
	CHECK("mark: 0 refused", coexist_mark_parse("0", &m, &k) == -EINVAL);
	CHECK("mark: outside its mask refused", coexist_mark_parse("0x3000/0x1000", &m, &k) == -EINVAL);
	CHECK("mark: junk refused", coexist_mark_parse("0x2000/", &m, &k) == -EINVAL &&
	      coexist_mark_parse("-1", &m, &k) == -EINVAL && coexist_mark_parse("0x1ffffffff", &m, &k) == -EINVAL &&
	      coexist_mark_parse("", &m, &k) == -EINVAL && coexist_mark_parse("0x20 ", &m, &k) == -EINVAL);
	CHECK("mode: auto report off", coexist_mode_parse("report", &mode) == 0 && mode == COEXIST_REPORT &&
	      coexist_mode_parse("auto", &mode) == 0 && mode == COEXIST_AUTO &&
	      coexist_mode_parse("off", &mode) == 0 && mode == COEXIST_OFF);
	CHECK("mode: unknown refused", coexist_mode_parse("on", &mode) == -EINVAL);
	CHECK("conf: comment names the table", strcmp(conf.comment, "edge-agent:edge_agent") == 0);
	CHECK("conf: bad table refused", coexist_plan_conf_init(&(struct coexist_plan_conf){ 0 }, "a b", 1, 1) == -EINVAL &&
	      coexist_plan_conf_init(&(struct coexist_plan_conf){ 0 }, "t", 3, 1) == -EINVAL);
}

static void test_render(void)
{
	const struct nft_conf nc = { .table = "edge_agent", .wg_iface = "wg0", .mark = 0x2000,
				     .mark_mask = 0x2000 };
	const struct nft_conf bad = { .table = "edge_agent", .wg_iface = "wg0", .mark = 0x3000,
				      .mark_mask = 0x1000 };
	struct strbuf sb;

	strbuf_init(&sb);
	CHECK("render: table with mark", nft_render(&sb, &nc, NULL, 0, true) == 0);
	CHECK("render: ct mark set before the DNAT, per map", sb.buf && strstr(sb.buf,
	      "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
	      "\t\tmeta nfproto ipv4 fib daddr type local tcp dport @cnt_tcp ct mark set ct mark and 0xffffdfff or 0x00002000\n"
	      "\t\tmeta nfproto ipv4 fib daddr type local udp dport @cnt_udp ct mark set ct mark and 0xffffdfff or 0x00002000\n"
	      "\t\tmeta nfproto ipv4 fib daddr type local tcp dport vmap @gate_tcp\n"));
	CHECK("render: packet mark at priority mangle", sb.buf && strstr(sb.buf,
	      "\tchain forward_mark {\n"
	      "\t\ttype filter hook forward priority mangle; policy accept;\n"
	      "\t\tct mark and 0x00002000 == 0x00002000 meta mark set meta mark and 0xffffdfff or 0x00002000\n"
	      "\t}\n"));
	strbuf_reset(&sb);
	CHECK("render: mark outside its mask refused", nft_render(&sb, &bad, NULL, 0, true) == -EINVAL);
	strbuf_reset(&sb);
	coexist_plan_render_add(&sb, &conf);
	CHECK_STR("render: our DOCKER-USER rule", sb.buf,
		  "insert rule ip filter DOCKER-USER meta mark and 0x00002000 == 0x00002000 counter "
		  "accept comment \"edge-agent:edge_agent\"\n");
	strbuf_reset(&sb);
	coexist_plan_render_del(&sb, (uint64_t[]){ 7, 9 }, 2);
	CHECK_STR("render: delete by handle", sb.buf, "delete rule ip filter DOCKER-USER handle 7\n"
		  "delete rule ip filter DOCKER-USER handle 9\n");
	strbuf_free(&sb);
}

static void test_docker_nft(void)
{
	char *j28 = slurp("docker-28-nft-filter.json"), *j27 = slurp("docker-27-nft-filter.json");
	struct coexist_ruleset rs = { 0 };
	struct coexist_plan p;

	CHECK("fixture: docker-28-nft-filter.json", j28 != NULL);
	CHECK("fixture: docker-27-nft-filter.json", j27 != NULL);
	if (!j28 || !j27)
		goto out;
	CHECK("docker 28 nft: parses", plan_json(j28, true, &p) == 0);
	CHECK("docker 28 nft: FORWARD judged", p.n_checked == 1);
	CHECK("docker 28 nft: our rule goes into DOCKER-USER", p.add_nft && !p.add_legacy);
	CHECK_STR("docker 28 nft: no error once added", p.error, "");
	CHECK("docker 27 nft: parses", plan_json(j27, true, &p) == 0);
	CHECK("docker 27 nft: our rule goes ahead of the RETURN", p.add_nft && !p.error[0]);

	CHECK("docker 28 nft, report: parses", plan_json(j28, false, &p) == 0);
	CHECK("docker 28 nft, report: nothing added", !p.add_nft && p.n_blocking == 1);
	CHECK_STR("docker 28 nft, report: the exact command", p.error,
		  "firewall: iptables-nft filter FORWARD drops forwarded traffic (policy drop), so "
		  "forwards do not pass; COEXIST=report: add it yourself: iptables -I DOCKER-USER -m "
		  "mark --mark " MARK " -j ACCEPT");

	CHECK("docker 28 nft: chains parsed", coexist_parse_nft_json(&rs, &conf, j28) == 0 && rs.n == 7);
	CHECK("docker 28 nft: xt conntrack match is not proven",
	      coexist_parse_chain_find(&rs, COEXIST_NFT, "ip", "filter", "DOCKER-CT") &&
	      !coexist_parse_chain_find(&rs, COEXIST_NFT, "ip", "filter", "DOCKER-CT")->rules[0].sure);
	CHECK("docker 28 nft: INPUT and OUTPUT left out",
	      !coexist_parse_chain_find(&rs, COEXIST_NFT, "ip", "filter", "INPUT") &&
	      !coexist_parse_chain_find(&rs, COEXIST_NFT, "ip", "filter", "OUTPUT"));
	coexist_parse_free(&rs);
out:
	free(j28);
	free(j27);
}

static void test_nft_rules(void)
{
	static const char *const inet_mark[] = {
		"[{\"match\": {\"op\": \"==\", \"left\": {\"&\": [{\"meta\": {\"key\": \"mark\"}}, 8192]}, \"right\": 8192}}, {\"accept\": null}]",
		NULL };
	static const char *const inet_mark_ne[] = {
		"[{\"match\": {\"op\": \"!=\", \"left\": {\"&\": [{\"meta\": {\"key\": \"mark\"}}, 12288]}, \"right\": 0}}, {\"accept\": null}]",
		NULL };
	static const char *const inet_other_mark[] = {
		"[{\"match\": {\"op\": \"==\", \"left\": {\"&\": [{\"meta\": {\"key\": \"mark\"}}, 12288]}, \"right\": 12288}}, {\"accept\": null}]",
		NULL };
	static const char *const inet_ct_mark[] = {
		"[{\"match\": {\"op\": \"==\", \"left\": {\"&\": [{\"ct\": {\"key\": \"mark\"}}, 8192]}, \"right\": 8192}}, {\"accept\": null}]",
		NULL };
	static const char *const inet_dnat[] = {
		"[{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"status\"}}, \"right\": \"dnat\"}}, {\"accept\": null}]",
		NULL };
	static const char *const inet_dnat_and[] = {
		"[{\"match\": {\"op\": \"==\", \"left\": {\"&\": [{\"ct\": {\"key\": \"status\"}}, \"dnat\"]}, \"right\": \"dnat\"}}, {\"accept\": null}]",
		NULL };
	static const char *const inet_established[] = {
		"[{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"established\", \"related\"]}}, {\"accept\": null}]",
		NULL };
	static const char *const inet_cond_drop[] = {
		"[{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}}, \"right\": \"eth9\"}}, {\"drop\": null}]",
		NULL };
	static const char *const inet_final_reject[] = {
		"[{\"jump\": {\"target\": \"sub\"}}]",
		"[{\"counter\": {}}, {\"reject\": {\"type\": \"icmpx\", \"expr\": \"admin-prohibited\"}}]",
		">[{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}}, \"right\": \"lo\"}}, {\"accept\": null}]",
		NULL };
	static const char *const inet_goto_drop[] = {
		"[{\"goto\": {\"target\": \"sub\"}}]", "[{\"accept\": null}]", ">[{\"drop\": null}]", NULL };
	static const char *const inet_vmap[] = {
		"[{\"vmap\": {\"key\": {\"meta\": {\"key\": \"oifname\"}}, \"data\": \"@m\"}}]", NULL };
	static const char *const inet_queue[] = { "[{\"queue\": {\"num\": 1}}]", NULL };
	struct coexist_plan p;
	char *l;

	l = listing("inet", "filter", "drop", NULL);
	CHECK("nft policy drop: parses", plan_json(l, true, &p) == 0);
	CHECK("nft policy drop: not ours to change", !p.add_nft && p.n_blocking == 1);
	CHECK_STR("nft policy drop: names the chain and the nft command", p.error,
		  "firewall: table inet filter chain fw (hook forward, priority 0) drops forwarded "
		  "traffic (policy drop), so forwards do not pass; accept the agent's mark before it "
		  "drops, e.g. nft insert rule inet filter fw meta mark and 0x00002000 == 0x00002000 "
		  "accept, or in the tool that manages that table");
	free(l);

	l = listing("inet", "filter", "drop", inet_mark);
	CHECK("nft: accept of our mark passes", plan_json(l, true, &p) == 0 && !p.error[0] && !p.add_nft);
	free(l);
	l = listing("inet", "filter", "drop", inet_mark_ne);
	CHECK("nft: mark & 0x3000 != 0 passes", plan_json(l, true, &p) == 0 && !p.error[0]);
	free(l);
	l = listing("inet", "filter", "drop", inet_other_mark);
	CHECK("nft: mark & 0x3000 == 0x3000 is not ours", plan_json(l, true, &p) == 0 && p.n_blocking == 1);
	free(l);
	l = listing("inet", "filter", "drop", inet_ct_mark);
	CHECK("nft: accept of our conntrack mark passes", plan_json(l, true, &p) == 0 && !p.error[0]);
	free(l);
	l = listing_prio("inet", "early", "drop", -200, NULL);
	CHECK("nft: a chain before priority mangle is told to use the conntrack mark",
	      plan_json(l, true, &p) == 0 && strstr(p.error, "(hook forward, priority -200)") &&
	      strstr(p.error, "nft insert rule inet early fw ct mark and 0x00002000 == 0x00002000 accept"));
	free(l);
	l = listing("inet", "filter", "drop", inet_dnat);
	CHECK("nft: ct status dnat accept passes", plan_json(l, true, &p) == 0 && !p.error[0]);
	free(l);
	l = listing("inet", "filter", "drop", inet_dnat_and);
	CHECK("nft: ct status & dnat == dnat accept passes", plan_json(l, true, &p) == 0 && !p.error[0]);
	free(l);
	l = listing("inet", "filter", "drop", inet_established);
	CHECK("nft: established,related is not enough (first packet)",
	      plan_json(l, true, &p) == 0 && p.n_blocking == 1);
	free(l);
	l = listing("inet", "filter", "accept", inet_cond_drop);
	CHECK("nft: a conditional drop is not judged", plan_json(l, true, &p) == 0 && !p.error[0]);
	free(l);
	l = listing("inet", "firewalld", "accept", inet_final_reject);
	CHECK("nft: final unconditional reject blocks", plan_json(l, true, &p) == 0 && p.n_blocking == 1);
	CHECK("nft: the reject is named by handle", strstr(p.error, "(rule handle 11 of chain fw drops "
	      "every packet)") != NULL);
	free(l);
	l = listing("ip", "t", "accept", inet_goto_drop);
	CHECK("nft: goto a chain that drops blocks", plan_json(l, true, &p) == 0 && p.n_blocking == 1 &&
	      strstr(p.error, "rule handle 12 of chain sub drops every packet"));
	free(l);
	l = listing("inet", "filter", "drop", inet_vmap);
	CHECK("nft: a verdict map is not judged, the policy is", plan_json(l, true, &p) == 0 && p.n_blocking == 1);
	free(l);
	l = listing("inet", "filter", "drop", inet_queue);
	CHECK("nft: a queue verdict is unknown, not blocking", plan_json(l, true, &p) == 0 && !p.error[0]);
	free(l);
	l = listing("inet", "edge_agent", "drop", NULL);
	CHECK("nft: our own table is never judged", plan_json(l, true, &p) == 0 && p.n_checked == 0);
	free(l);
	l = listing("ip6", "filter", "drop", NULL);
	CHECK("nft: ip6 tables are not judged (IPv4 forwards)", plan_json(l, true, &p) == 0 && p.n_checked == 0);
	free(l);
	l = listing("ip", "docker-bridges", "drop", NULL);
	CHECK("nft: Docker's nftables table", plan_json(l, true, &p) == 0 && p.n_blocking == 1);
	CHECK_STR("nft: Docker's nftables table: what to change in Docker", p.error,
		  "firewall: table ip docker-bridges chain fw (hook forward, priority 0) drops "
		  "forwarded traffic (policy drop), so forwards do not pass; Docker sets this policy "
		  "when it turns IP forwarding on itself: set \"ip-forward-no-drop\": true in "
		  "/etc/docker/daemon.json and restart Docker (its own tables must not be edited)");
	free(l);
	CHECK("nft: not JSON", plan_json("nope", true, &p) == -EINVAL);
	CHECK("nft: JSON without nftables", plan_json("{\"x\": 1}", true, &p) == -EINVAL);
}

/* ip filter with Docker's shape: FORWARD drop -> DOCKER-USER, with our rule or another. */
static char *docker_like(const char *user_rule_json, const char *comment)
{
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_puts(&sb, "{\"nftables\": ["
		"{\"chain\": {\"family\": \"ip\", \"table\": \"filter\", \"name\": \"FORWARD\", \"handle\": 1, "
		"\"type\": \"filter\", \"hook\": \"forward\", \"prio\": 0, \"policy\": \"drop\"}}, "
		"{\"chain\": {\"family\": \"ip\", \"table\": \"filter\", \"name\": \"DOCKER-USER\", \"handle\": 2}}, "
		"{\"rule\": {\"family\": \"ip\", \"table\": \"filter\", \"chain\": \"FORWARD\", \"handle\": 3, "
		"\"expr\": [{\"counter\": {}}, {\"jump\": {\"target\": \"DOCKER-USER\"}}]}}");
	if (user_rule_json)
		strbuf_printf(&sb, ", {\"rule\": {\"family\": \"ip\", \"table\": \"filter\", \"chain\": "
			      "\"DOCKER-USER\", \"handle\": 4, %s%s%s\"expr\": %s}}", comment ? "\"comment\": \"" : "",
			      comment ? comment : "", comment ? "\", " : "", user_rule_json);
	strbuf_puts(&sb, "]}");
	return sb.buf;
}

static void test_docker_user(void)
{
	const char *ours = "[{\"match\": {\"op\": \"==\", \"left\": {\"&\": [{\"meta\": {\"key\": \"mark\"}}, 8192]}, "
			   "\"right\": 8192}}, {\"counter\": {}}, {\"accept\": null}]";
	const char *old = "[{\"match\": {\"op\": \"==\", \"left\": {\"&\": [{\"meta\": {\"key\": \"mark\"}}, 16384]}, "
			  "\"right\": 16384}}, {\"counter\": {}}, {\"accept\": null}]";
	const char *drop_all = "[{\"counter\": {}}, {\"drop\": null}]";
	const char *xt_comment = "[{\"match\": {\"op\": \"==\", \"left\": {\"&\": [{\"meta\": {\"key\": \"mark\"}}, 8192]}, "
				 "\"right\": 8192}}, {\"xt\": {\"type\": \"match\", \"name\": \"comment\"}}, "
				 "{\"counter\": {}}, {\"accept\": null}]";
	struct coexist_plan p;
	char *l;

	l = docker_like(ours, "edge-agent:edge_agent");
	CHECK("DOCKER-USER with our rule: passes, nothing to add", plan_json(l, true, &p) == 0 &&
	      !p.add_nft && !p.error[0] && !p.n_del_nft);
	free(l);
	l = docker_like(xt_comment, NULL);
	CHECK("DOCKER-USER with our rule restored by iptables-nft-restore (xt comment): passes",
	      plan_json(l, true, &p) == 0 && !p.add_nft && !p.error[0]);
	free(l);
	l = docker_like(old, "edge-agent:edge_agent");
	CHECK("DOCKER-USER with our rule of an older mark: add, delete the stale one",
	      plan_json(l, true, &p) == 0 && p.add_nft && p.n_del_nft == 1 && p.del_nft[0] == 4);
	free(l);
	l = docker_like(old, "edge-agent:other_table");
	CHECK("another agent's rule is left alone", plan_json(l, true, &p) == 0 && p.add_nft && !p.n_del_nft);
	free(l);
	l = docker_like(drop_all, NULL);
	CHECK("operator's DROP in DOCKER-USER: our rule at the head passes",
	      plan_json(l, true, &p) == 0 && p.add_nft && !p.error[0]);
	free(l);
	l = docker_like(NULL, NULL);
	CHECK("empty DOCKER-USER: add", plan_json(l, true, &p) == 0 && p.add_nft);
	free(l);
}

static void test_save(void)
{
	char *s28 = slurp("docker-28-iptables.rules"), *s27 = slurp("docker-27-iptables.rules");
	struct coexist_ruleset rs = { 0 };
	struct coexist_plan p;
	struct strbuf sb;
	const struct coexist_chain *c;

	CHECK("fixture: docker-28-iptables.rules", s28 != NULL);
	CHECK("fixture: docker-27-iptables.rules", s27 != NULL);
	if (!s28 || !s27)
		goto out;
	CHECK("legacy docker 28: parses", plan_save(s28, true, &p) == 0);
	CHECK("legacy docker 28: our rule goes into DOCKER-USER", p.add_legacy && !p.add_nft && !p.error[0]);
	CHECK("legacy docker 27: parses", plan_save(s27, true, &p) == 0);
	CHECK("legacy docker 27: our rule goes ahead of the RETURN", p.add_legacy && !p.error[0]);
	CHECK("legacy docker 28, report: parses", plan_save(s28, false, &p) == 0);
	CHECK_STR("legacy docker 28, report: the exact command", p.error,
		  "firewall: iptables-legacy filter FORWARD drops forwarded traffic (policy drop), so "
		  "forwards do not pass; COEXIST=report: add it yourself: iptables-legacy -I DOCKER-USER "
		  "-m mark --mark " MARK " -j ACCEPT");

	CHECK("legacy: only *filter is read", coexist_parse_iptables_save(&rs, &conf, s28) == 0 &&
	      (c = coexist_parse_chain_find(&rs, COEXIST_LEGACY, "ip", "filter", "DOCKER")) && c->n_rules == 4 &&
	      !coexist_parse_chain_find(&rs, COEXIST_LEGACY, "ip", "filter", "PREROUTING"));
	CHECK("legacy: FORWARD is the base chain, policy DROP",
	      (c = coexist_parse_chain_find(&rs, COEXIST_LEGACY, "ip", "filter", "FORWARD")) && c->forward_hook && c->policy_drop);
	CHECK("legacy: jumps parsed", c && c->n_rules == 2 && c->rules[0].sure &&
	      c->rules[0].verdict == COEXIST_V_JUMP && !strcmp(c->rules[0].target, "DOCKER-USER"));
	coexist_parse_free(&rs);

	/* with our rule in place, as iptables-legacy-save prints it */
	{
		char *at = strstr(s28, "-A DOCKER -d 172.17.0.2");
		strbuf_init(&sb);
		strbuf_add(&sb, s28, (size_t)(at - s28));
		strbuf_puts(&sb, USER_RULE);
		strbuf_puts(&sb, at);
		CHECK("legacy with our rule: passes, nothing to add", plan_save(sb.buf, true, &p) == 0 &&
		      !p.add_legacy && !p.error[0] && !p.n_del_legacy);
		strbuf_free(&sb);
	}

	CHECK("legacy: quoted comment and stale mark", plan_save(
		"*filter\n:FORWARD DROP [5:300]\n:DOCKER-USER - [0:0]\n-A FORWARD -j DOCKER-USER\n"
		"-A DOCKER-USER -m mark --mark 0x4000/0x4000 -m comment --comment \"edge-agent:edge_agent\" -j ACCEPT\n"
		"COMMIT\n", true, &p) == 0 && p.add_legacy && p.n_del_legacy == 1 &&
	      p.del_legacy[0][0] == 0x4000 && p.del_legacy[0][1] == 0x4000);
	CHECK("legacy: negated mark does not pass", plan_save(
		"*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m mark ! --mark 0x2000/0x2000 -j ACCEPT\nCOMMIT\n",
		false, &p) == 0 && p.n_blocking == 1);
	CHECK("legacy: plain FORWARD DROP without DOCKER-USER", plan_save(
		"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
		"-A FORWARD -i eth0 -o eth1 -j ACCEPT\nCOMMIT\n", true, &p) == 0 && !p.add_legacy);
	CHECK_STR("legacy: plain FORWARD DROP: what to run", p.error,
		  "firewall: iptables-legacy filter FORWARD drops forwarded traffic (policy drop), so "
		  "forwards do not pass; there is no DOCKER-USER chain to add to: run iptables-legacy -I "
		  "FORWARD -m mark --mark " MARK " -j ACCEPT, or accept that mark in the tool that "
		  "manages this firewall");
	CHECK("legacy: connmark accept passes", plan_save(
		"*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m connmark --mark 0x2000/0x2000 -j ACCEPT\nCOMMIT\n",
		true, &p) == 0 && !p.error[0]);
	CHECK("legacy: ctstate DNAT accept passes", plan_save(
		"*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m conntrack --ctstate RELATED,DNAT -j ACCEPT\nCOMMIT\n",
		true, &p) == 0 && !p.error[0]);
	CHECK("legacy: ufw-style unconditional drop after a log target", plan_save(
		"*filter\n:FORWARD ACCEPT [0:0]\n:ufw-after-forward - [0:0]\n-A FORWARD -j ufw-after-forward\n"
		"-A FORWARD -j LOG --log-prefix \"[fw] \"\n-A FORWARD -j REJECT --reject-with icmp-port-unreachable\n"
		"-A ufw-after-forward -p tcp -j RETURN\nCOMMIT\n", true, &p) == 0 && p.n_blocking == 1 &&
	      strstr(p.error, "(rule 3 of chain FORWARD drops every packet)"));
	CHECK("legacy: policy ACCEPT passes", plan_save(
		"*filter\n:FORWARD ACCEPT [0:0]\nCOMMIT\n", true, &p) == 0 && !p.error[0] && p.n_checked == 1);
	CHECK("legacy: no filter table, nothing judged", plan_save("*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n",
	      true, &p) == 0 && p.n_checked == 0);
out:
	free(s28);
	free(s27);
}

static void test_both(void)
{
	char *j28 = slurp("docker-28-nft-filter.json"), *s28 = slurp("docker-28-iptables.rules");
	struct coexist_ruleset rs = { 0 };
	struct coexist_plan p;
	static const char *const inet_drop[] = { NULL };
	char *l = listing("inet", "filter", "drop", inet_drop);

	if (!j28 || !s28)
		goto out;
	CHECK("both: nft, legacy and another table parse", coexist_parse_nft_json(&rs, &conf, j28) == 0 &&
	      coexist_parse_iptables_save(&rs, &conf, s28) == 0 && coexist_parse_nft_json(&rs, &conf, l) == 0);
	coexist_plan_make(&rs, &conf, true, &p);
	CHECK("both: three chains judged", p.n_checked == 3);
	CHECK("both: our rule into both DOCKER-USER chains", p.add_nft && p.add_legacy);
	CHECK("both: the other table is reported", p.n_blocking == 1 &&
	      !strncmp(p.error, "firewall: table inet filter chain fw", 36));
out:
	coexist_parse_free(&rs);
	free(l);
	free(j28);
	free(s28);
}

int main(void)
{
	coexist_plan_conf_init(&conf, "edge_agent", 0x2000, 0x2000);
	test_parse_conf();
	test_render();
	test_docker_nft();
	test_nft_rules();
	test_docker_user();
	test_save();
	test_both();
	return CHECK_DONE();
}
