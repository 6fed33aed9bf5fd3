#!/usr/bin/python3
"""Turns the raw figures of bench/run.sh into RESULTS.md and gnuplot PNGs.

Usage: report.py DATA_DIR OUT_DIR
Every section is always written; a figure that could not be measured says so.
"""
import glob
import math
import os
import statistics
import subprocess
import sys

DATA, OUT = sys.argv[1], sys.argv[2]


def kv(path):
    d = {}
    try:
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    d[k] = v
    except OSError:
        pass
    return d


def num(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


def quantile(v, q):
    if not v:
        return None
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def spread(v, unit="", digits=0):
    """'median (min-max, n=3)' or 'n/a'."""
    v = [x for x in v if x is not None]
    if not v:
        return "n/a"
    f = "{:,.%df}" % digits
    m = f.format(statistics.median(v))
    if len(v) == 1:
        return "%s%s (n=1)" % (m, unit)
    return "%s%s (%s-%s, n=%d)" % (m, unit, f.format(min(v)), f.format(max(v)), len(v))


def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None


def fmt(x, digits=0, unit=""):
    if x is None:
        return "n/a"
    return ("{:,.%df}" % digits).format(x) + unit


def verdict(ok):
    if ok is None:
        return "**not measured**"
    return "**met**" if ok else "**MISSED**"


machine = kv(os.path.join(DATA, "machine.kv"))
smoke = machine.get("smoke") == "1"
lines = []
out = lines.append
targets = []


def target(name, ok, figure):
    targets.append((name, ok, figure))


def gnuplot(name, script):
    path = os.path.join(OUT, name)
    try:
        subprocess.run(["gnuplot"], input="set terminal pngcairo size 900,560 font 'sans,10'\n"
                       "set output '%s'\n%s" % (path, script), text=True, check=True,
                       capture_output=True)
        return name
    except (OSError, subprocess.CalledProcessError) as e:
        sys.stderr.write("report: gnuplot %s failed: %s\n" % (name, getattr(e, "stderr", e)))
        return None


def datafile(name, rows):
    path = os.path.join(DATA, name)
    with open(path, "w") as f:
        for r in rows:
            f.write(" ".join("NaN" if x is None else str(x) for x in r) + "\n")
    return path


# ---- 1. cold converge and scale ----
conv = {}
for p in glob.glob(os.path.join(DATA, "converge-*-*.kv")):
    d = kv(p)
    n = int(d.get("n", 0))
    conv.setdefault(n, []).append(d)
base = {}
for p in glob.glob(os.path.join(DATA, "baseline-*.kv")):
    d = kv(p)
    base.setdefault(int(d.get("n", 0)), []).append(num(d.get("t_ms")))

# baseline model T(N) = a N + b N^2, least squares through the origin, both terms >= 0
fit = None
pts = [(n, med(v)) for n, v in sorted(base.items()) if med(v)]
if len(pts) >= 2:
    s11 = sum(n * n for n, _ in pts)
    s12 = sum(n ** 3 for n, _ in pts)
    s22 = sum(n ** 4 for n, _ in pts)
    y1 = sum(n * t for n, t in pts)
    y2 = sum(n * n * t for n, t in pts)
    det = s11 * s22 - s12 * s12
    if det:
        fit = ((y1 * s22 - y2 * s12) / det, (s11 * y2 - s12 * y1) / det)
    if not fit or fit[0] < 0 or fit[1] < 0:
        fit = (y1 / s11, 0.0) if not fit or fit[1] <= 0 else (0.0, y2 / s22)
elif len(pts) == 1:
    fit = (pts[0][1] / pts[0][0], 0.0)


def base_ms(n):
    if n in base and med(base[n]):
        return med(base[n]), "measured"
    if fit:
        return fit[0] * n + fit[1] * n * n, "extrapolated"
    return None, "n/a"


mib = lambda x: None if x is None else x / 1024  # noqa: E731
out("## 1. Cold converge and scale")
out("")
out("N forwards and N routes retained on the broker (%s), empty cache, the agent's directories "
    "on the %s; the clock starts when the agent process is started. *Applied*: every "
    "per-object status `applied` has arrived; *synced*: also node status `synced` (which needs "
    "the replay's end plus `SYNC_QUIET_MS`, default 1000 ms, without a retained message); "
    "*rules live*: nftables events for all N map elements, and all N route files renamed into "
    "place (inotify). Memory: 4 s after the last status (cache written, heap trimmed): RSS, "
    "PSS (shared pages divided among the processes using them) and private pages. Baseline: "
    "the earlier design, per forward `iptables -t nat -C PREROUTING ... || iptables -t nat -A "
    "PREROUTING ... -j DNAT` and the same for the FORWARD accept rule, one process each, in a "
    "fresh namespace (routes not included: the baseline does strictly less work)." % (
        machine.get("broker_conf", "?") + " mosquitto", machine.get("agent_fs", "?")))
out("")
out("| N + N | all applied (ms) | synced (ms) | forwards live (ms) | routes live (ms) | agent CPU (s) | RSS / PSS / private (MiB) | baseline, forwards only (ms) | baseline / agent applied |")
out("|---|---|---|---|---|---|---|---|---|")
conv_rows = []
for n in sorted(conv):
    runs = conv[n]
    ta = [num(r.get("t_applied_ms")) for r in runs]
    ts = [num(r.get("t_synced_ms")) for r in runs]
    tf = [num(r.get("t_live_forwards_ms")) for r in runs]
    tr = [num(r.get("t_live_routes_ms")) for r in runs]
    cpu = [num(r.get("cpu_synced_s")) for r in runs]
    rss = med([num(r.get("settled_rss_kb")) for r in runs])
    pss = med([num(r.get("settled_pss_kb")) for r in runs])
    prv = med([num(r.get("settled_private_kb")) for r in runs])
    b, how = base_ms(n)
    ratio = b / med(ta) if b and med(ta) else None
    out("| %s | %s | %s | %s | %s | %s | %s / %s / %s | %s | %s |" % (
        fmt(n), spread(ta), spread(ts), spread(tf), spread(tr), spread(cpu, digits=2),
        fmt(mib(rss), 1), fmt(mib(pss), 1), fmt(mib(prv), 1),
        fmt(b) + ("" if how == "measured" else " (%s)" % how), fmt(ratio, 0, "x")))
    conv_rows.append((n, med(ta), med(ts), med(tf), b, mib(rss), mib(pss), mib(prv)))
timeouts = sum(1 for runs in conv.values() for r in runs if r.get("converge") == "timeout")
if timeouts:
    out("")
    out("%d converge run(s) timed out (see the counts in the raw data)." % timeouts)
out("")
for n, v in sorted(base.items()):
    out("Baseline measured at %s forwards: %s ms." % (fmt(n), spread(v)))
if fit:
    out("Baseline model fitted to those points: T(N) = %.3g ms x N + %.3g ms x N^2 "
        "(each `iptables` process reads the whole ruleset, so the cost per rule grows with N); "
        "figures marked *extrapolated* come from it, not from a run (10,000 forwards one "
        "process at a time take over 20 minutes)." % fit)
tn = 10000 if 10000 in conv else (max(conv) if conv else None)
if tn:
    ta_t = med([num(r.get("t_applied_ms")) for r in conv[tn]])
    b_t, how = base_ms(tn)
    target("Cold converge %s + %s to every status applied under 1.5 s" % (fmt(tn), fmt(tn)),
           None if ta_t is None else ta_t < 1500, fmt(ta_t, 0, " ms"))
    ratio = b_t / ta_t if b_t and ta_t else None
    target("Cold converge at least 200x faster than the baseline (%s, baseline %s from this run)" % (fmt(tn), how),
           None if ratio is None else ratio >= 200, fmt(ratio, 0, "x"))
    mem_t = med([num(r.get("settled_rss_kb")) for r in conv[tn]])
    target("RSS under 16 MiB at %s + %s" % (fmt(tn), fmt(tn)),
           None if mem_t is None else mem_t < 16 * 1024, fmt(mib(mem_t), 1, " MiB"))
if conv_rows:
    df = datafile("converge.dat", conv_rows)
    fitline = ""
    if fit:
        fitline = (", %g*x + %g*x**2 with lines dt 2 lc rgb '#cc3311' title 'baseline model "
                   "(extrapolated)'" % fit)
    png = gnuplot("converge.png", """
set title 'Cold converge: N forwards + N routes'
set xlabel 'N (forwards; the agent also gets N routes)'
set ylabel 'time (ms)'
set logscale xy
set key top left
set grid
plot '%s' using 1:2 with linespoints lw 2 pt 7 title 'agent: every status applied', \\
     '' using 1:4 with linespoints lw 2 pt 5 title 'agent: all forwards live in the kernel', \\
     '' using 1:5 with points pt 9 ps 1.5 lc rgb '#cc3311' title 'baseline: iptables per rule (forwards only)'%s
""" % (df, fitline))
    if png:
        out("")
        out("![converge time against N](%s)" % png)
    png = gnuplot("memory.png", """
set title 'Agent memory with N forwards + N routes (settled)'
set xlabel 'N (forwards; the agent also gets N routes)'
set ylabel 'MiB'
set logscale x
set key top left
set grid
set yrange [0:*]
plot '%s' using 1:6 with linespoints lw 2 pt 7 title 'RSS', \\
     '' using 1:7 with linespoints lw 2 pt 5 title 'PSS', \\
     '' using 1:8 with linespoints lw 2 pt 9 title 'private'
""" % df)
    if png:
        out("")
        out("![memory against N](%s)" % png)
out("")

lim = kv(os.path.join(DATA, "limit.kv"))
if lim.get("limit") == "none":
    out("This build of the agent has no `MAX_OBJECTS`: nothing bounds the number of objects "
        "it takes.")
elif lim:
    out("Past the limit: with `MAX_OBJECTS=%s` and %s objects published, the agent reported for "
        "the first one it did not take: `%s`" % (fmt(num(lim.get("limit"))), fmt(num(lim.get("published"))),
                                                 lim.get("error", "") or "(nothing within 30 s)"))
    target("Past MAX_OBJECTS the agent rejects with a clear error", bool(lim.get("error")),
           "error reported" if lim.get("error") else "no error")
out("")

# ---- 2. update latency ----
out("## 2. Update latency")
out("")


def read_updates(name):
    """(kind, op, status_ms, live_ms, cache_saves, traefik_dir_events) per update."""
    rows = []
    try:
        with open(os.path.join(DATA, name)) as f:
            next(f)
            for line in f:
                a = line.split()
                rows.append((a[0], a[1], None if a[2] == "-" else float(a[2]) / 1000,
                             float(a[3]) / 1000, int(a[4]), int(a[5]) if len(a) > 5 else None))
    except (OSError, StopIteration, ValueError, IndexError):
        pass
    return rows


upd = read_updates("updates.txt")
u = kv(os.path.join(DATA, "updates.kv"))
n_loaded = kv(os.path.join(DATA, "memory.kv")).get("n_loaded", "?")
out("Stock mosquitto (%s), the agent's directories on the %s. " % (
    "Debian's configuration: Nagle on" if machine.get("broker_conf") == "stock" else machine.get("broker_conf", "?"),
    machine.get("agent_fs", "?")))
out("%s single updates, one at a time, with %s forwards + %s routes present: forwards and routes "
    "alternate, each cycling add (a new object), change (a seeded one) and delete (the one just "
    "added). *Status*: from the publish to the object's status `applied` (add) or cleared "
    "(delete). A change of an applied object publishes no new status (the status does not "
    "change), so changes have only the live figure. *Live*: to the nftables event carrying the "
    "element (forwards) or the route file's rename into the Traefik directory (routes). "
    "The run starts once the converge's files and cache are on disk (`sync -f`): the kernel "
    "writes them back within 30 s, and updates whose `fdatasync` queued behind that "
    "writeback took 5-18 ms (p99 8.6, 15.7 and 2.0 ms in three runs of 2026-12-03 without "
    "the sync, 2.0 and 2.7 ms in two with it). "
    "Timeouts: %s." % (u.get("updates", "?"), n_loaded, n_loaded, u.get("update_timeouts", "?")))
out("")
out("| what | count | status p50 (ms) | status p99 (ms) | live p50 (ms) | live p99 (ms) |")
out("|---|---|---|---|---|---|")
for kind in ("forwards", "routes"):
    for op in ("add", "change", "delete"):
        rows = [r for r in upd if r[0] == kind and r[1] == op]
        st = [r[2] for r in rows if r[2] is not None]
        lv = [r[3] for r in rows]
        out("| %s %s | %d | %s | %s | %s | %s |" % (kind, op, len(rows), fmt(quantile(st, .5), 2),
            fmt(quantile(st, .99), 2), fmt(quantile(lv, .5), 2), fmt(quantile(lv, .99), 2)))
st_all = [r[2] for r in upd if r[2] is not None]
lv_all = [r[3] for r in upd]
out("| **all** | %d | %s | %s | %s | %s |" % (len(upd), fmt(quantile(st_all, .5), 2),
    fmt(quantile(st_all, .99), 2), fmt(quantile(lv_all, .5), 2), fmt(quantile(lv_all, .99), 2)))
quiet = [r for r in upd if not r[4]]
hit = [r for r in upd if r[4]]
st_q = [r[2] for r in quiet if r[2] is not None]
lv_q = [r[3] for r in quiet]
out("| all but those overlapping a cache save | %d | %s | %s | %s | %s |" % (
    len(quiet), fmt(quantile(st_q, .5), 2), fmt(quantile(st_q, .99), 2),
    fmt(quantile(lv_q, .5), 2), fmt(quantile(lv_q, .99), 2)))
out("")
if upd:
    out("%d of %d updates overlapped a save of `DATA_DIR/state.json` (the whole cache, rewritten "
        "and fsynced on the event loop 0.5 s after a change); their live latency: p50 %s ms, "
        "max %s ms." % (len(hit), len(upd), fmt(quantile([r[3] for r in hit], .5), 2),
                        fmt(max([r[3] for r in hit]) if hit else None, 2)))
    out("")
p99 = quantile(st_all, .99)
p99l = quantile(lv_all, .99)
if p99:
    out("For scale: a polling design that refreshes every 5 s applies an update after 2,500 ms "
        "on average and 5,000 ms at worst: %s times the agent's p99 status latency." %
        fmt(5000 / p99, 0))
p50 = quantile(st_all, .5)
target("Update latency p50 under 1 ms, stock broker, root fs (publish to status)",
       None if p50 is None else p50 < 1, fmt(p50, 2, " ms"))
target("Update latency p99 under 2 ms, stock broker, root fs (publish to status)",
       None if p99 is None else p99 < 2, fmt(p99, 2, " ms"))
if upd:
    for name, vals in (("status", st_all), ("live", lv_all)):
        vs = sorted(vals)
        datafile("updates-%s.dat" % name, [(x, (i + 1) / len(vs)) for i, x in enumerate(vs)])
    png = gnuplot("updates.png", """
set title 'Single-update latency with N + N present (cumulative)'
set xlabel 'latency from publish (ms)'
set ylabel 'fraction of updates'
set logscale x
set key bottom right
set grid
set yrange [0:1]
plot '%s' using 1:2 with lines lw 2 title 'rule live (nft event / file rename)', \\
     '%s' using 1:2 with lines lw 2 title 'status published back'
""" % (os.path.join(DATA, "updates-live.dat"), os.path.join(DATA, "updates-status.dat")))
    if png:
        out("![update latency distribution](%s)" % png)
out("")

# ---- 2b. set-ups side by side, warm restart ----
out("### Set-ups side by side")
out("")
# the set-ups converge UPDATE_N + UPDATE_N, also when the main run was left out (SECTIONS)
n_setups = num(kv(os.path.join(DATA, "memory.kv")).get("n_loaded")) or med(
    [num(kv(p).get("n")) for p in glob.glob(os.path.join(DATA, "converge-*.kv"))
     if not os.path.basename(p).split("-")[1][:1].isdigit()])
out("The same agent with another broker or file system: a cold converge of %s + %s, then "
    "single updates as above (fewer of them), then the warm restart of the next table. "
    "*tuned*: the project's `broker-config/mosquitto.conf` (`set_tcp_nodelay true`, larger "
    "queues) and the agent's directories on a fresh journaled ext4 (%s); *aedes*: aedes from "
    "npm (MQTT 3.1.1), root file system; *cluster*: the fleet issue's clustered broker, "
    "ejabberd's `mod_mqtt` as two joined nodes (logins required, `match_retained_limit: "
    "infinity`), the controller (the measuring client) publishing and reading statuses on node "
    "1, the agent on node 2 with `SYNC_SWEEP=off`, root file system: every update and every "
    "status crosses the cluster (its warm restart is timed at node 2, the only node that "
    "replays the agent's retained statuses)." % (fmt(n_setups), fmt(n_setups), machine.get("tuned_fs", "?")))
out("")
out("| set-up | broker | file system | all applied (ms) | updates | status p50 (ms) | status p99 (ms) | live p50 (ms) | live p99 (ms) |")
out("|---|---|---|---|---|---|---|---|---|")
setups = [("main", {"broker": machine.get("broker_conf", "?") + " mosquitto", "fs": machine.get("agent_fs", "?")},
           kv(os.path.join(DATA, "converge-upd.kv")), upd)]
for p in sorted(glob.glob(os.path.join(DATA, "setup-*.kv"))):
    d = kv(p)
    if "setup" not in d:
        continue
    name = d["setup"]
    setups.append((name, d, kv(os.path.join(DATA, "converge-%s.kv" % name)),
                   read_updates("setup-%s-updates.txt" % name)))
for name, d, c, rows in setups:
    st = [r[2] for r in rows if r[2] is not None]
    lv = [r[3] for r in rows]
    if "skipped" in d:
        out("| %s | skipped: %s | | | | | | | |" % (name, d["skipped"]))
    else:
        out("| %s | %s | %s | %s | %d | %s | %s | %s | %s |" % (
            name, d.get("broker", "?"), d.get("fs", "?"), fmt(num(c.get("t_applied_ms"))), len(rows),
            fmt(quantile(st, .5), 2), fmt(quantile(st, .99), 2), fmt(quantile(lv, .5), 2),
            fmt(quantile(lv, .99), 2)))
    broker_name = {"aedes": "aedes", "cluster": "the clustered broker"}.get(name)
    if broker_name:
        target("Update latency with %s: p50 under 1 ms, p99 under 2 ms (publish to status)" % broker_name,
               None if not st else quantile(st, .5) < 1 and quantile(st, .99) < 2,
               "skipped: " + d["skipped"] if "skipped" in d else
               "%s / %s ms" % (fmt(quantile(st, .5), 2), fmt(quantile(st, .99), 2)))
out("")

out("### Warm restart")
out("")
out("The converged agent stopped and started again: cache present, broker up, nothing changed. "
    "*Connected*: its first live node status; *synced*: node status `synced`. nftables events "
    "on the agent's table (any table, chain, set or element message) and inotify events in the "
    "Traefik directory, over the whole restart and after the agent reached the broker; and "
    "writes in `DATA_DIR` after it reached the broker (but `health.json`, which records the "
    "connection). Before the broker is reached the start-up pass restores the table from the "
    "cache in one transaction (the element events) and folds the journal into the snapshot; "
    "the rules never left the kernel while the agent was down.")
out("")
out("| set-up | connected (ms) | synced (ms) | nft events (after connect) | Traefik dir events (after connect) | DATA_DIR writes after connect |")
out("|---|---|---|---|---|---|")
warm_main = None
for name, d, c, rows in setups:
    w = kv(os.path.join(DATA, "warm-%s.kv" % name))
    if not w:
        continue
    if name == "main":
        warm_main = w
    out("| %s | %s | %s | %s (%s) | %s (%s) | %s |" % (
        name, fmt(num(w.get("t_connected_ms"))), fmt(num(w.get("t_synced_ms"))),
        w.get("nft_events", "?"), w.get("nft_events_after_connect", "?"),
        w.get("file_events", "?"), w.get("file_events_after_connect", "?"),
        w.get("data_events_after_connect", "?")))
if warm_main:
    t = num(warm_main.get("t_synced_ms"))
    target("Warm restart: synced under 1 s", None if t is None else t < 1000, fmt(t, 0, " ms"))
    quiet = (warm_main.get("nft_events_after_connect") == "0" and
             warm_main.get("file_events_after_connect") == "0" and
             warm_main.get("data_events_after_connect") == "0")
    target("Warm restart: no nft transaction, no file write after the resync", quiet,
           "nft %s, Traefik dir %s, DATA_DIR %s" % (warm_main.get("nft_events_after_connect", "?"),
                                                   warm_main.get("file_events_after_connect", "?"),
                                                   warm_main.get("data_events_after_connect", "?")))
    out("")
    out("A warm restart is synced when its marker is back, since it came after the retained "
        "messages and nothing is to be removed; aedes returns the marker first, so there the "
        "agent still waits `SYNC_QUIET_MS` (default 1000 ms) after the last retained message.")
out("")

# ---- 3. data plane ----
out("## 3. Data plane")
out("")
plane = {}
for p in glob.glob(os.path.join(DATA, "plane-*-*-*-*.kv")):
    d = kv(p)
    plane.setdefault((d.get("design"), int(d.get("n", 0)), d.get("pos")), []).append(d)
# each run's p50, p99 and rate; the median over the runs
plane = {k: {f: med([num(d.get(f)) for d in v]) for f in ("p50_us", "p99_us", "cps")} | {"runs": len(v)}
         for k, v in plane.items()}
ns_ = sorted({k[1] for k in plane})
out("TCP connect latency (SYN to established, measured by the client) and sequential connections "
    "per second through a forward, client namespace -> edge namespace (DNAT) -> backend "
    "namespace, when the forward is the 1st and the N-th of N. Agent: its nftables map "
    "(table made by the agent, elements added with `nft -f`). Baseline: the earlier design's "
    "chains loaded with `iptables-restore` (iptables %s): N DNAT rules in nat PREROUTING and N "
    "accept rules in FORWARD. Each cell: the median over %s interleaved runs of each run's "
    "p50, with p99 in brackets; %s connects per run, or as many as fit in 3 s (at least 200)." %
    (machine.get("v_iptables", "?"), machine.get("plane_reps", "?"), machine.get("plane_connects", "?")))
out("")
out("| N | agent 1st (us) | agent N-th (us) | agent conn/s | iptables 1st (us) | iptables N-th (us) | iptables N-th conn/s | iptables N-th / agent N-th |")
out("|---|---|---|---|---|---|---|---|")
rows = []


def lat(design, n, pos):
    d = plane.get((design, n, pos))
    if not d and pos == "last":
        d = plane.get((design, n, "first"))
    return d or {}


for n in ns_:
    af, al = lat("agent", n, "first"), lat("agent", n, "last")
    bf, bl = lat("iptables", n, "first"), lat("iptables", n, "last")
    r = bl["p50_us"] / al["p50_us"] if bl.get("p50_us") and al.get("p50_us") else None

    def cell(d):
        return "%s (%s)" % (fmt(d.get("p50_us"), 0), fmt(d.get("p99_us"), 0))
    out("| %s | %s | %s | %s | %s | %s | %s | %s |" % (fmt(n), cell(af), cell(al),
        fmt(al.get("cps")), cell(bf), cell(bl), fmt(bl.get("cps")), fmt(r, 1, "x")))
    rows.append((n, af.get("p50_us"), al.get("p50_us"), bf.get("p50_us"), bl.get("p50_us")))
agent_lat = [x for r in rows for x in (r[1], r[2]) if x]
if rows and agent_lat and rows[0][1] and rows[-1][2]:
    ref, end_ = rows[0][1], rows[-1][2]
    dev = (end_ / ref - 1) * 100
    spread_dev = (max(agent_lat) / min(agent_lat) - 1) * 100
    out("")
    out("Agent: the N-th of %s forwards %s us against the only one of 1 %s us: %+.1f%%. Over all "
        "agent cells (every N, 1st and N-th) the p50 ranges %s-%s us (%.0f%%)." % (
            fmt(rows[-1][0]), fmt(end_, 0), fmt(ref, 0), dev, fmt(min(agent_lat), 0),
            fmt(max(agent_lat), 0), spread_dev))
    target("Data plane flat in N for the agent (N-th of %s within 10%% of 1 of 1, p50)" % fmt(rows[-1][0]),
           abs(dev) <= 10, "%+.1f%%" % dev)
    df = datafile("plane.dat", rows)
    png = gnuplot("dataplane.png", """
set title 'TCP connect latency through one forward among N (p50)'
set xlabel 'N forwards'
set ylabel 'connect latency (us)'
set logscale xy
set key top left
set grid
plot '%s' using 1:2 with linespoints lw 2 pt 7 title 'agent map, 1st', \\
     '' using 1:3 with linespoints lw 2 pt 5 title 'agent map, N-th', \\
     '' using 1:4 with linespoints lw 2 pt 7 title 'iptables chain, 1st', \\
     '' using 1:5 with linespoints lw 2 pt 5 title 'iptables chain, N-th'
""" % df)
    if png:
        out("")
        out("![connect latency against number of forwards](%s)" % png)
else:
    target("Data plane flat in N for the agent", None, "n/a")
out("")

# ---- 8. kinds of forward against a userspace L4 proxy ----
out("## 8. Every kind of forward against HAProxy (mode tcp)")
out("")
kinds = {}
for p in glob.glob(os.path.join(DATA, "kinds-*.kv")):
    d = kv(p)
    kinds.setdefault(d.get("kind"), []).append(d)
KIND_ROWS = (
    ("nft-plain", "forward, one port to one target (the fwd_tcp map)"),
    ("nft-allow1000", "forward with allow_from of 1,000 sources"),
    ("nft-targets64", "forward with 64 targets (numgen into the target map)"),
    ("nft-affinity64", "forward with 64 targets, affinity source (jhash)"),
    ("nft-limits", "forward with connections_per_source and new_per_source (never reached)"),
    ("nft-range1000", "1,000-port range, shifted (last port)"),
    ("nft-preserve", "forward with preserve_source"),
    ("haproxy-plain", "HAProxy, one server"),
    ("haproxy-allow1000", "HAProxy, `src -f` list of 1,000 sources"),
    ("haproxy-targets64", "HAProxy, 64 servers round robin"),
)
if kinds:
    out("The same client, edge and backend namespaces as section 3; each nft kind is one forward "
        "the agent made, each HAProxy %s frontend (Debian's package, `mode tcp`, how frp, rathole "
        "and Newt carry TCP in userspace) carries the same traffic to the same servers, which read "
        "to the end and close. A session is connect, half-close, and the server's close read back "
        "(through a proxy that is its second connection too), one at a time, %s per run; the "
        "stream is one TCP connection writing for %s s. CPU is the whole machine's busy time over the run (kernel forwarding is "
        "softirq time, attributed to no process; client and server burn the same in every row) "
        "and, for HAProxy, its own process's time." %
        (machine.get("v_haproxy", "?"), machine.get("kinds_connects", "?"),
         machine.get("kinds_stream_s", "?")))
    out("")
    out("| kind | session p50 (us) | p99 (us) | sessions/s | machine CPU over the sessions (s) | "
        "proxy CPU (s) | one stream (Mbit/s) | machine CPU over the stream (s) | proxy CPU (s) |")
    out("|---|---|---|---|---|---|---|---|---|")
    for k, label in KIND_ROWS:
        v = kinds.get(k)
        if not v:
            out("| %s | not measured | | | | | | | |" % label)
            continue
        col = lambda f, d=0: spread([num(x.get(f)) for x in v if num(x.get(f)) is not None], "", d)
        out("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            label, col("p50_us", 1), col("p99_us", 1), col("cps"), col("conn_cpu_s", 2),
            col("conn_proxy_cpu_s", 2) if k.startswith("haproxy") else "0 (kernel)",
            col("mbps"), col("stream_cpu_s", 2),
            col("stream_proxy_cpu_s", 2) if k.startswith("haproxy") else "0 (kernel)"))
    out("")
    base = med([num(x.get("p50_us")) for x in kinds.get("nft-plain", [])])
    for k, what in (("nft-allow1000", "1,000 sources"), ("nft-targets64", "64 targets")):
        o = med([num(x.get("p50_us")) for x in kinds.get(k, [])])
        ok = base is not None and o is not None and o <= base * 1.10 + 5
        target("Packet path with %s within 10%% (+5 us) of a plain forward (session p50)" % what,
               ok if base is not None and o is not None else None,
               "%s us vs %s us" % (fmt(o, 1), fmt(base, 1)))
    hp = med([num(x.get("p50_us")) for x in kinds.get("haproxy-plain", [])])
    target("A plain forward's session faster than HAProxy's (p50)",
           base is not None and hp is not None and base < hp if base and hp else None,
           "%s us vs %s us" % (fmt(base, 1), fmt(hp, 1)))
else:
    out("Not measured in this run (SECTIONS without kinds, or haproxy missing).")
out("")

# ---- 4. memory and CPU ----
out("## 4. Memory and CPU")
out("")
mem = kv(os.path.join(DATA, "memory.kv"))
big = num(mem.get("n_loaded"))
big = int(big) if big else None
rss_conv = [num(kv(os.path.join(DATA, "converge-upd.kv")).get("rss_kb"))]
out("| what | RSS (MiB) | PSS (MiB) | private (MiB) | RSS: anonymous + file-backed (MiB) |")
out("|---|---|---|---|---|")


def memrow(label, rss_key, prefix):
    g = lambda k: mib(num(mem.get(prefix + k)))  # noqa: E731
    out("| %s | %s | %s | %s | %s |" % (label, fmt(mib(num(mem.get(rss_key))), 1), fmt(g("_pss_kb"), 1),
        fmt(g("_private_kb"), 1), "%s + %s" % (fmt(g("_anon_kb"), 1), fmt(g("_file_kb"), 1))))


memrow("idle (connected, no objects)", "rss_idle_kb", "rss_idle")
memrow("at %s + %s, settled (cache written)" % (mem.get("n_loaded", "?"), mem.get("n_loaded", "?")),
       "rss_loaded_kb", "rss_loaded")
out("| at %s + %s, when the last status arrived | %s | | | |" % (mem.get("n_loaded", "?"), mem.get("n_loaded", "?"),
    spread([mib(x) for x in rss_conv if x], digits=1)))
out("| after the update run | %s | | | |" % fmt(mib(num(mem.get("rss_after_updates_kb"))), 1))
out("| peak over the agent's life (VmHWM) | %s | | | |" % fmt(mib(num(mem.get("rss_hwm_kb"))), 1))
out("")
if mem.get("rss_idle_top"):
    out("Idle, the largest resident mappings (KiB) of the %s shared libraries the agent loads: %s." % (
        mem.get("shared_libs", "?"), ", ".join("%s %s" % (n, k) for n, k in
                                               (x.split(":") for x in mem["rss_idle_top"].split(",")))))
    out("")
if big and big in conv:
    cpu = med([num(r.get("cpu_synced_s")) for r in conv[big]])
    out("CPU time (user + system) of the agent for the cold converge of %s + %s: %s s "
        "(median; table in section 1)." % (fmt(big), fmt(big), fmt(cpu, 2)))
idle = num(mem.get("rss_idle_kb"))
target("RSS under 10 MiB idle with no objects", None if idle is None else idle < 10 * 1024,
       fmt(mib(idle), 1, " MiB"))
out("")

# ---- 5. fleet fan-out ----
out("## 5. Fleet fan-out")
out("")
out("K agents, each in its own network namespace with its own table and directories, reach one "
    "mosquitto over veths on a bridge; all follow group `fleet`. One retained publish of a "
    "forward to `edge/fleet/forwards/<id>`, timed until all K per-object statuses say "
    "`applied`; then its deletion, until all K are cleared.")
out("")
out("| K | publish to all applied (ms) | delete to all cleared (ms) | RSS of one agent (MiB) | all K started and synced (ms) |")
out("|---|---|---|---|---|")
fan = {}
for p in glob.glob(os.path.join(DATA, "fanout-*.txt")):
    k = int(os.path.basename(p).split("-")[1].split(".")[0])
    add, dele = [], []
    with open(p) as f:
        for line in f:
            a = line.split()
            if len(a) == 2 and a[0] in ("add", "delete"):
                (add if a[0] == "add" else dele).append(float(a[1]))
    fan[k] = (add, dele, kv(p[:-4] + ".kv"), kv(p[:-4] + "-ready.kv"))
for k in sorted(fan):
    add, dele, d, ready = fan[k]
    out("| %d | %s | %s | %s | %s |" % (k, spread(add, digits=1), spread(dele, digits=1),
        fmt(mib(num(d.get("rss_each_kb"))), 1), fmt(num(ready.get("wait_ms")))))
if fan:
    kmax = max(fan)
    worst = max(fan[kmax][0]) if fan[kmax][0] else None
    target("Fan-out to K = %d under 1 s (worst of %d publishes)" % (kmax, len(fan[kmax][0])),
           None if worst is None else worst < 1000, fmt(worst, 0, " ms"))
else:
    target("Fan-out under 1 s", None, "n/a")
out("")

# ---- 6. traefik ----
out("## 6. Traefik output")
out("")
tr_all = {}
for p in sorted(glob.glob(os.path.join(DATA, "traefik-*.kv"))):
    d = kv(p)
    tr_all.setdefault(d.get("fs", "?"), []).append(d)
first = next(iter(tr_all.values()), [{}])[0]
tn = first.get("n", "?")
# what Traefik sees: inotify events in its directory per route change (the update run)
out("**What a route change asks of Traefik.** Traefik's file provider re-reads and re-parses "
    "every file of the directory on each inotify event it gets, and Traefik v3 adds one inotify "
    "watch per file present when it starts (v2 watches the directory only). Measured in the "
    "update run of section 2 (inotifywait-equivalent watch on the directory with every event "
    "Traefik's watcher asks for, and close-write besides), with %s route files present:" %
    fmt(num(mem.get("n_loaded"))))
out("")
out("| route change | count | inotify events per change (min-max) | files Traefik re-parses per change |")
out("|---|---|---|---|")
for op in ("add", "change", "delete"):
    ev = [r[5] for r in upd if r[0] == "routes" and r[1] == op and r[5] is not None]
    out("| %s | %d | %s | %s |" % (op, len(ev), ("%d-%d" % (min(ev), max(ev))) if ev else "n/a",
        fmt(num(mem.get("n_loaded")))))
ev_f = [r[5] for r in upd if r[0] == "forwards" and r[5] is not None]
out("| (a forward change) | %d | %s | 0 |" % (len(ev_f), ("%d-%d" % (min(ev_f), max(ev_f))) if ev_f else "n/a"))
out("")
ev_r = [r[5] for r in upd if r[0] == "routes" and r[5] is not None]
if ev_r:
    target("A route change raises one inotify event in the Traefik directory",
           max(ev_r) == 1 and min(ev_r) == 1, "%d-%d" % (min(ev_r), max(ev_r)))
out("The agent stages every file in `.edge-agent-tmp/` inside the directory (Traefik reads "
    "subdirectories but does not watch them; the temps do not end in .yml, so it skips them) "
    "and renames it into place: one event (`IN_MOVED_TO`, or `IN_DELETE` for a removal). "
    "Before, the temp was written in the directory itself: create, chmod, write, close, "
    "moved-from, moved-to, five to six events, each a full re-parse. A file whose bytes would "
    "not change is not written at all.")
out("")
out("The agent's own `traefik_commit()`. Every file is written to a temp name, made durable, "
    "renamed into place, and the directory is fsynced after the renames, so a crash leaves each "
    "route either old or new, never partial. Batched: one `syncfs()` covers all temps of a batch "
    "instead of one `fsync()` per file. Serial: one commit per file (file fsync + directory "
    "fsync each), the cost without batching, timed on the first %s files and scaled to N. "
    "Two file systems: *root fs*, this machine's own disk (%s), which other tests churn at the "
    "same time and where the agents of sections 1, 2 and 5 keep their files, and *fresh fs* "
    "(%s)." % (first.get("serial_files", "?"), machine.get("host_fs", "?"), machine.get("tuned_fs", "?")))
out("")
FSN = {"freshfs": "fresh fs (ms)", "rootfs": "root fs (ms)"}
fss = [f for f in ("rootfs", "freshfs") if f in tr_all] + [f for f in tr_all if f not in FSN]
if not fss:
    out("No Traefik figures were measured.")
else:
    out("| what (N = %s) | %s |" % (tn, " | ".join(FSN.get(f, f) for f in fss)))
    out("|---|%s" % ("---|" * len(fss)))

    def trow(label, key, digits=0, scale=False):
        cells = []
        for f in fss:
            vals = [num(d.get(key)) for d in tr_all[f]]
            if scale:
                n_ = num(tn)
                cells.append(spread([v * n_ for v in vals if v is not None and n_]))
            else:
                cells.append(spread(vals, digits=digits))
        out("| %s | %s |" % (label, " | ".join(cells)))

    trow("write N new files, one batch", "batch_ms")
    trow("change all N files, one batch", "rewrite_ms")
    trow("one change among N, p50", "single_p50_ms", 2)
    trow("one change among N, p99", "single_p99_ms", 2)
    trow("N files one commit each (serial, scaled)", "serial_per_file_ms", scale=True)
    for f in fss:
        g = [num(d.get("batch_ms")) for d in tr_all[f]]
        per = med([num(d.get("serial_per_file_ms")) for d in tr_all[f]])
        if med(g) and per and num(tn):
            out("")
            out("%s: batching is %s times faster than one durable commit per file." %
                ({"freshfs": "Fresh fs", "rootfs": "Root fs"}.get(f, f), fmt(per * num(tn) / med(g), 0)))
    out("")

# ---- 7. the pure core ----
out("## 7. The pure core's scaling")
out("")
core = [kv(p) for p in sorted(glob.glob(os.path.join(DATA, "core-*.kv")))]
if not core:
    out("No core figures were measured.")
else:
    c0 = core[0]
    out("CPU time of `join_parse` on a join answer (rendered by `join_render`) and of "
        "`wg_diff` with one changed peer, best of 3 in each run. Linear or n log n costs about "
        "8 (join) and 12 (diff) times more for the larger size; quadratic 64 and 100 times.")
    out("")
    out("| what | small | large | large / small |")
    out("|---|---|---|---|")
    for key, label in (("join", "join answer parse (peers)"), ("diff", "wireguard diff (peers)")):
        sm = [num(d.get(key + "_small_ms")) for d in core]
        lg = [num(d.get(key + "_large_ms")) for d in core]
        ratio = [l / s for s, l in zip(sm, lg) if s and l]
        out("| %s | %s: %s | %s: %s | %s |" % (label, c0.get(key + "_small_peers", "?"),
            spread(sm, " ms", 2), c0.get(key + "_large_peers", "?"), spread(lg, " ms", 2),
            spread(ratio, "", 1)))
        if ratio:
            target("%s scales below quadratic (ratio under %d)" % (label.split(" (")[0],
                   24 if key == "join" else 40), med(ratio) < (24 if key == "join" else 40),
                   fmt(med(ratio), 1) + " x")
out("")

# ---- header, targets, write ----
head = []
h = head.append
h("# edge-agent benchmarks")
h("")
if smoke:
    h("**SMOKE RUN (small N, one repetition): the figures below prove the code runs; they are "
      "not the benchmark.**")
    h("")
h("Made by `make bench` (bench/run.sh, bench/report.py) on %s; the whole run took %s s." %
  (machine.get("date", "?"), fmt(num(machine.get("bench_s")), 0)))
h("")
h("| machine | |")
h("|---|---|")
for k, label in (("host_cpu", "CPU"), ("host_cores", "cores"), ("host_mem", "memory"),
                 ("host_os", "OS"), ("host_kernel", "kernel"), ("host_fs", "root file system"),
                 ("agent_fs", "agents' DATA_DIR and Traefik dirs"),
                 ("broker_conf", "broker configuration"), ("tuned_fs", "tuned set-up's file system"),
                 ("load_start", "load average at start"), ("load_end", "load average at end"),
                 ("v_agent", "edge-agent (git)"), ("v_mosquitto", "mosquitto"),
                 ("v_nftables", "nft"), ("v_libnftables", "libnftables"),
                 ("v_iptables", "iptables (baseline)"), ("v_gnuplot", "gnuplot")):
    h("| %s | %s |" % (label, machine.get(k, "?")))
h("")
h("Medians with (min-max, n=runs) where a figure was repeated. Other tests may run on this "
  "2-core machine at the same time: the load averages above tell how quiet it was.")
h("")
h("## Targets")
h("")
h("| target | figure | verdict |")
h("|---|---|---|")
for name, ok, figure in targets:
    h("| %s | %s | %s |" % (name, figure, verdict(ok)))
h("")
findings = os.path.join(os.path.dirname(os.path.abspath(__file__)), "FINDINGS.md")
if os.path.exists(findings) and not smoke:
    with open(findings) as f:
        h(f.read().rstrip())
        h("")

os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "RESULTS.md"), "w") as f:
    f.write("\n".join(head + lines) + "\n")
print(os.path.join(OUT, "RESULTS.md"))
