#!/usr/bin/env bash
# Measures `make study` from scratch: a fresh clone of this checkout's HEAD, the quick mix_ratios sweep into a new,
# empty results directory (so the scorer and the CGANs train too), --jobs 2. Run it with nothing else running.
# Usage: tools/measure-study.sh WORKDIR   (writes WORKDIR/log.txt and WORKDIR/wall_seconds.txt; results in WORKDIR/out)
set -euo pipefail
work=${1:?usage: tools/measure-study.sh WORKDIR}
repo=$(git rev-parse --show-toplevel)
rm -rf "$work" && mkdir -p "$work"
git clone -q "$repo" "$work/clone"
# The virtual environment is the one `make install` built here: the install is not what is measured.
ln -s "$repo/.venv" "$work/clone/.venv"
cd "$work/clone"
start=$(date +%s)
.venv/bin/python -m experiments.sweep mix_ratios --jobs 2 --out "$work/out" > "$work/log.txt" 2>&1
end=$(date +%s)
echo $((end - start)) > "$work/wall_seconds.txt"
echo "mix_ratios quick from scratch at --jobs 2: $((end - start)) s (commit $(git rev-parse --short HEAD))"
