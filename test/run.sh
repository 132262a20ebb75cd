#!/usr/bin/env bash
# The project's test command (README, .ci/run): every test file under test/, in three parts.
#   bash test/run.sh               type-check and build, then unit, integration and lab
#   bash test/run.sh unit          in-process tests only: no child process, no server, no root (npm run test:unit)
#   bash test/run.sh integration   no root, but real processes: the CLI, InfluxDB, VictoriaMetrics,
#                                  rsyslog, chromium, tshark, softflowd, model training, npm pack
#   bash test/run.sh lab           root: namespaces, live capture, real scanners (npm run test:lab)
#   bash test/run.sh list          which part each file is in (and the check that each is in one)
# A file's part comes from what it does, found in its text:
#   lab          imports the lab helpers or checks the uid (as before);
#   integration  otherwise, starts a process (node:child_process, runCli/startCli, the browser
#                helper, a server helper's start function);
#   unit         everything else.
# Unit files share no port (they listen on port 0) and no path (mkdtemp): they run two at a time.
# Lab files run one at a time so two labs never share the machine; integration files too (real
# servers, npm, chromium: one at a time keeps them off each other's CPU and disk).
set -euo pipefail
cd "$(dirname "$0")/.."
part="${1:-all}"
[ $# -gt 0 ] && shift
LAB_RE='helpers/(netns|scan-lab)\.js|scenarios/catalog\.js|get(e)?uid|requireRoot|labUnavailable'
INTEGRATION_RE="node:child_process|runCli\(|startCli\(|helpers/browser\.js|startInfluxd|startVictoriaMetrics"
mapfile -t all < <(find test -name '*.test.ts' | sort)
lab=() integration=() unit=()
for f in "${all[@]}"; do
  if grep -qE "$LAB_RE" "$f"; then lab+=("$f")
  elif grep -qE "$INTEGRATION_RE" "$f"; then integration+=("$f")
  else unit+=("$f"); fi
done
# Every file in exactly one part: none dropped, none run twice.
if [ "$(printf '%s\n' "${lab[@]}" "${integration[@]}" "${unit[@]}" | sort | uniq -u | wc -l)" -ne "${#all[@]}" ]; then
  echo "test/run.sh: the parts do not cover each of the ${#all[@]} test files exactly once" >&2
  exit 70
fi
if [ "$part" = list ]; then
  for f in "${unit[@]}"; do echo "unit         $f"; done
  for f in "${integration[@]}"; do echo "integration  $f"; done
  for f in "${lab[@]}"; do echo "lab          $f"; done
  echo "# ${#all[@]} files: ${#unit[@]} unit, ${#integration[@]} integration, ${#lab[@]} lab"
  exit 0
fi
case "$part" in all|unit|integration|lab) ;; *) echo "test/run.sh: unknown part '$part' (all, unit, integration, lab, list)" >&2; exit 64 ;; esac
# The CLI the tests start: test/helpers/cli.ts runs dist/src/main.js when no source is newer
# (about 0.9 s of CPU less per start than tsx); build it here so that is the case.
build() {
  if [ ! -f dist/src/main.js ] || [ -n "$(find src -name '*.ts' -newer dist/src/main.js -print -quit)" ]; then
    echo "# build (dist/, the CLI the tests start)"
    npx tsc -p tsconfig.json
  fi
}
# --test-timeout: a backstop so a hung test fails its file instead of holding CI (each file well under it).
run() { node --import tsx --test --test-reporter=spec --test-timeout=900000 "$@"; }
status=0
if [ "$part" = all ]; then
  echo "# type-check (src, test and bench)"
  npx tsc -p tsconfig.test.json
fi
if [ "$part" = all ] || [ "$part" = unit ]; then
  run --test-concurrency=2 "$@" "${unit[@]}" || status=$?
fi
if [ "$part" = all ] || [ "$part" = integration ]; then
  build
  run --test-concurrency=1 "$@" "${integration[@]}" || status=$?
fi
if [ "$part" = all ] || [ "$part" = lab ]; then
  build
  run --test-concurrency=1 "$@" "${lab[@]}" || status=$?
fi
exit $status
