#!/usr/bin/env bash
# What Traefik sees of a route change: its file provider re-reads every file in the directory
# on each inotify event, so a change must raise exactly one (the rename into place, or the
# unlink), and a change that leaves a file's bytes alone, none. Counts events, not time.
source "$(dirname "$0")/../lib/lib.sh"
require_root traefik_events
command -v inotifywait >/dev/null || { skip traefik_events "inotifywait missing (inotify-tools; make deps)"; exit 77; }

NS=$(netns_new ev)
broker_start "$NS" || { fail broker_start; t_done; }
agent_start "$NS" gw1
DYN=$T_TMP/gw1/dynamic
route() { echo "{\"hostname\": \"$1.example.com\", \"target_url\": \"http://10.0.0.$2:80\"}"; }
for i in 1 2 3; do pub "$NS" -r -t edge/gw1/routes/r$i -m "$(route r$i $i)"; done
check "routes applied" wait_for 10 bash -c "node_synced $NS gw1 && status_is $NS gw1 routes r3 applied"
sleep 1.5   # past the agent's start-up writes

# Every event Traefik's watcher (fsnotify) subscribes to, and close_write besides.
EV=$T_TMP/events.txt
inotifywait -m -q --format '%e %f' -e create,modify,attrib,close_write,moved_from,moved_to,delete,delete_self,move_self \
	"$DYN" > "$EV" 2>/dev/null &
T_PIDS+=($!)
sleep 0.5
mark=0
# events: sets e to the events since the previous call, on one line
events() { sleep 0.5; e=$(tail -n +$((mark + 1)) "$EV" | tr '\n' ';'); mark=$(wc -l < "$EV"); }

pub "$NS" -r -t edge/gw1/routes/r9 -m "$(route r9 9)"
wait_for 5 status_is "$NS" gw1 routes r9 applied
events; check "new route: one event ($e)" test "$e" = "MOVED_TO edge-agent.gw1.r9.yml;"

pub "$NS" -r -t edge/gw1/routes/r9 -m "$(route r9 19)"
wait_for 5 grep -q 10.0.0.19 "$DYN/edge-agent.gw1.r9.yml"
events; check "changed route: one event ($e)" test "$e" = "MOVED_TO edge-agent.gw1.r9.yml;"

pub "$NS" -r -t edge/gw1/routes/r9 -n
wait_for 5 test ! -e "$DYN/edge-agent.gw1.r9.yml"
events; check "deleted route: one event ($e)" test "$e" = "DELETE edge-agent.gw1.r9.yml;"

pub "$NS" -r -t edge/gw1/routes/r2 -m "$(route r2 2)"
pub "$NS" -r -t edge/gw1/forwards/f1 -m '{"public_port": 9001, "target_ip": "10.0.0.5", "target_port": 80}'
wait_for 5 status_is "$NS" gw1 forwards f1 rejected || wait_for 5 status_is "$NS" gw1 forwards f1 applied
events; check "same route again, and a forward: no event ($e)" test -z "$e"

check "temps are staged in the unwatched subdirectory, none left" \
	bash -c "[ -d $DYN/.edge-agent-tmp ] && [ -z \"\$(ls -A $DYN/.edge-agent-tmp)\" ]"
[ "$T_FAILED" = 0 ] || { cat "$EV"; tail -30 "$T_TMP/gw1.log"; }
t_done
