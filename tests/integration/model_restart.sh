#!/usr/bin/env bash
# Model-based restart test: a reference model of the contract (tests/lib/model_restart.py)
# predicts the data plane and the statuses through a seeded random sequence of publishes,
# conflicts, bad updates, kill -9, restarts with and without the broker, broker restarts
# with and without its retained messages, and table flushes; the live nftables maps, the
# Traefik directory and the retained statuses must equal the model's.
#   CI:        3 seeds x 300 steps (a few minutes)
#   long mode: MODEL_SEEDS="$(seq 1 50)" MODEL_STEPS=1000 bash tests/integration/model_restart.sh
#   replay a failing seed exactly: MODEL_SEEDS=<seed> MODEL_STEPS=<steps> (printed on failure)
source "$(dirname "$0")/../lib/lib.sh"
require_root model_restart

SEEDS=${MODEL_SEEDS:-1 2 3}
STEPS=${MODEL_STEPS:-300}
EDGE=$(netns_new edge)
export EDGE T_TMP AGENT
for seed in $SEEDS; do
	/usr/bin/python3 "$ROOT/tests/lib/model_restart.py" "$seed" "$STEPS" || T_FAILED=1
done
[ "$T_FAILED" = 0 ] || tail -40 "$T_TMP/gw1.log"
t_done
