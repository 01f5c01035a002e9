#!/usr/bin/env bash
# timed.sh DIR PHASE CMD...: runs CMD, then appends how long it took (wall
# and CPU: user plus system time of the processes it waited for, from
# bash's `times`) to DIR/records.jsonl as a "phase" record, the format of
# internal/timings. Exits with CMD's status.
set -uo pipefail
dir=$1 phase=$2
shift 2
mkdir -p "$dir"
start=$(date +%s.%N)
"$@"
status=$?
end=$(date +%s.%N)
# `times` runs in this shell (not in a $(...) subshell, whose children
# would be its own): its second line is the children's user and system
# time, e.g. "1m2.345s 0m6.789s". This script ran nothing else long.
times > "$dir/.times.$$"
ok=true
[ "$status" -eq 0 ] || ok=false
# The phase name is the Makefile's own: no JSON escaping needed.
awk -v p="$phase" -v start="$start" -v end="$end" -v ok="$ok" '
  NR == 2 {
    split($1, u, /[ms]/); split($2, s, /[ms]/)
    printf "{\"kind\":\"phase\",\"name\":\"%s\",\"wallSeconds\":%.3f,\"cpuSeconds\":%.3f,\"ok\":%s,\"startUnix\":%.3f}\n",
      p, end - start, u[1] * 60 + u[2] + s[1] * 60 + s[2], ok, start
  }' "$dir/.times.$$" >> "$dir/records.jsonl"
rm -f "$dir/.times.$$"
exit "$status"
