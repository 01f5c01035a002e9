#!/usr/bin/env bash
# logged.sh LOG NAME CMD...: runs CMD with its output in LOG, then prints a
# header line naming NAME and whether it passed, and LOG whole. make test
# runs three lanes at once; the two beside the features run so, so that
# their lines never cut into another lane's. Exits with CMD's status.
set -uo pipefail
log=$1 name=$2
shift 2
mkdir -p "$(dirname "$log")"
"$@" > "$log" 2>&1
status=$?
result=ok
[ "$status" -eq 0 ] || result="FAILED (exit $status)"
printf '\n=== %s: %s; its output (%s):\n' "$name" "$result" "$log"
cat "$log"
exit "$status"
