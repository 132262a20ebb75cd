#!/usr/bin/env bash
# Records the scan events (JSONL via --alerts) of every shared capture and
# sample into DIR, one file per capture, so two versions can be diffed:
#   bench/record-events.sh /tmp/before; (change); bench/record-events.sh /tmp/after
#   diff -r /tmp/before /tmp/after
set -euo pipefail
out=${1:?usage: record-events.sh DIR [extra peng-ts args]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
rm -f "$out"/*.jsonl # --alerts appends
for f in "$here"/../shared/captures/*.pcap* "$here"/samples/*.pcap; do
  [ -f "$f" ] || continue
  name=$(basename "$f")
  node --import tsx "$here/src/main.ts" -r "$f" -verbose 0 --alerts "$out/$name.jsonl" "$@" >/dev/null 2>"$out/$name.stderr" || echo "$name: exit $?" >&2
done
ls "$out" | grep -c jsonl
