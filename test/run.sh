#!/usr/bin/env bash
# The project's test command (README, .ci/run): every test file under test/.
#   bash test/run.sh          type-check, then the unit part, then the lab part
#   bash test/run.sh unit     the unit part only (no root, no namespaces: npm run test:unit)
#   bash test/run.sh lab      the lab part only (root: namespaces, live capture, real scanners)
# Lab files are those that need root (namespaces, live capture, mounts,
# privilege drops: they import the lab helpers or check the uid); they run one
# file at a time so two labs never share the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
part="${1:-all}"
[ $# -gt 0 ] && shift
mapfile -t all < <(find test -name '*.test.ts' | sort)
mapfile -t lab < <(grep -lE "helpers/(netns|scan-lab)\.js|scenarios/catalog\.js|get(e)?uid|requireRoot|labUnavailable" "${all[@]}" || true)
mapfile -t unit < <(printf '%s\n' "${all[@]}" | grep -vxF -f <(printf '%s\n' "${lab[@]}" ""))
# --test-timeout: a backstop so a hung test fails its file instead of holding CI (each file well under it).
run() { node --import tsx --test --test-reporter=spec --test-timeout=900000 "$@"; }
status=0
if [ "$part" = all ]; then
  echo "# type-check (src and test)"
  npx tsc -p tsconfig.test.json
fi
if [ "$part" = all ] || [ "$part" = unit ]; then
  run "$@" "${unit[@]}" || status=$?
fi
if [ "$part" = all ] || [ "$part" = lab ]; then
  run --test-concurrency=1 "$@" "${lab[@]}" || status=$?
fi
exit $status
