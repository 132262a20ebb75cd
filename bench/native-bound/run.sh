#!/bin/bash
# The victim view's SYN path, JavaScript (the compiled build) against the same
# work in C: instructions per warm SYN (cachegrind) and ns per SYN. See README.md.
# Needs valgrind and a C compiler; run `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-500000}
bin=$(mktemp -d)/victim-syn
trap 'rm -rf "$(dirname "$bin")"' EXIT
cc -O2 -o "$bin" bench/native-bound/victim-syn.c -lm
ir() { valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>&1 | awk '/I *refs/ {gsub(",", "", $NF); print $NF}'; }
js1=$(ir node --single-threaded --import tsx bench/native-bound/victim-syn.ts "$N" 1)
js2=$(ir node --single-threaded --import tsx bench/native-bound/victim-syn.ts "$N" 2)
c1=$(ir "$bin" "$N" 1)
c2=$(ir "$bin" "$N" 2)
echo "instructions per warm SYN: JavaScript $(((js2 - js1) / N)), C $(((c2 - c1) / N))"
echo "JavaScript, 4,000,000 SYNs x 3 passes:"
node --import tsx bench/native-bound/victim-syn.ts 4000000 3
echo "C, same:"
/usr/bin/time -f "%U s user for 12,000,000 SYNs" "$bin" 4000000 3
