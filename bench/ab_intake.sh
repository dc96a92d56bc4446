#!/bin/bash
# Issue 21's A/B in one window: CPU per report (bench/intake_cpu.py) and per case of the demo
# year (bench/per_case.py), a checkout of the code before (BASE) and this one, alternated.
#   git -C /work/main worktree add --detach /work/wt-base <commit>
#   cp bench/_realistic.py bench/intake_cpu.py /work/wt-base/bench/
#   bash bench/ab_intake.sh /work/wt-base > /tmp/ab.txt
set -u
BASE=${1:?usage: bench/ab_intake.sh BASE-CHECKOUT}
NEW=$(cd "$(dirname "$0")/.." && pwd)
PY=$NEW/.venv/bin/python
for side in base new base new; do
  if [ $side = base ]; then dir=$BASE; else dir=$NEW; fi
  echo "### $side intake_cpu $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  (cd "$dir" && PYTHONPATH=$dir nice "$PY" bench/intake_cpu.py --n 150 --repeat 3 2>/dev/null | grep '^{"name')
done
for side in base new; do
  if [ $side = base ]; then dir=$BASE; else dir=$NEW; fi
  echo "### $side per_case $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  (cd "$dir" && PYTHONPATH=$dir nice "$PY" bench/per_case.py --cases 200 2>/dev/null | grep '^{"name')
done
echo "### done $(date +%T)"
