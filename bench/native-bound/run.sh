#!/bin/bash
# The victim view's SYN path: the product's JavaScript (the compiled build),
# the same work in C, that C compiled to WebAssembly, and the same in
# AssemblyScript (both Wasm builds called per SYN from JavaScript).
# Instructions per warm SYN (cachegrind) and ns per SYN. Needs valgrind, cc,
# clang and lld (apt), `npm install --prefix bench` (asc) and `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in valgrind cc clang wasm-ld; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing: apt-get install valgrind gcc clang lld" >&2; exit 2; }
done
[ -x bench/node_modules/.bin/asc ] || { echo "run.sh: asc is missing: npm install --prefix bench" >&2; exit 2; }
[ -f dist/src/detect/victim/module.js ] || { echo "run.sh: the compiled build is missing: npm run build" >&2; exit 2; }
N=${N:-500000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cc -O2 -o "$dir/victim-syn" bench/native-bound/victim-syn.c
clang --target=wasm32 -O2 -mbulk-memory -nostdlib -Wl,--no-entry -o "$dir/victim-syn.wasm" bench/native-bound/victim-syn.c
bench/node_modules/.bin/asc bench/native-bound/victim-syn.as.ts -O3 --runtime stub -o "$dir/victim-syn-as.wasm"
ir() { valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>&1 | awk '/I *refs/ {gsub(",", "", $NF); print $NF}'; }
js=(node --single-threaded --import tsx bench/native-bound/victim-syn.ts)
perSyn() { echo $((($2 - $1) / N)); }
echo "instructions per warm SYN (2 passes - 1 pass, $N SYNs):"
echo "  JavaScript  $(perSyn "$(ir "${js[@]}" "$N" 1)" "$(ir "${js[@]}" "$N" 2)")"
for w in victim-syn victim-syn-as; do
  echo "  $w.wasm  $(perSyn "$(ir "${js[@]}" "$N" 1 "$dir/$w.wasm")" "$(ir "${js[@]}" "$N" 2 "$dir/$w.wasm")")"
done
echo "  C           $(perSyn "$(ir "$dir/victim-syn" "$N" 1)" "$(ir "$dir/victim-syn" "$N" 2)")"
echo "JavaScript, 4,000,000 SYNs x 3 passes:"
node --import tsx bench/native-bound/victim-syn.ts 4000000 3
for w in victim-syn victim-syn-as; do
  echo "$w.wasm, same:"
  node --import tsx bench/native-bound/victim-syn.ts 4000000 3 "$dir/$w.wasm"
done
echo "C, same:"
/usr/bin/time -f "%U s user for 12,000,000 SYNs" "$dir/victim-syn" 4000000 3
