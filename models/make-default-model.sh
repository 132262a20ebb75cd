#!/usr/bin/env bash
# Rebuilds the default classifier model (models/classifier-default.json), byte for byte.
#   models/make-default-model.sh                 from the shipped lab session CSVs (models/data/)
#                                                plus the public captures in ../shared/captures
#   models/make-default-model.sh LAB_PCAP_DIR    first rebuild models/data/ from lab pcaps
#                                                (record them: test/scenarios/record-classifier-lab.ts)
#   OUT=/tmp/m.json models/make-default-model.sh write the model elsewhere (the test compares)
#
# Training data (labels by the source that opened the session):
# - lab: real nmap -sS/-sT/-sF/-sN/-sX from 10.77.0.1 / fd77::1 (label 1) while the lab's
#   benign client 10.77.0.5 / fd77::5 fetches pages and gets a few refusals (label 0);
# - public captures whose truth (../shared/captures/truth.json) is clean: the scanners listed
#   there are 1, every other session 0. Left out: slips (the infected host is benign before it
#   scans), victorialugi (unlabelled Internet probers), the DERIVED copies (duplicates):
#   those stay for testing. The lab alone has microsecond round trips, and a model trained on
#   it alone learns that (see README: the classifier, cross-recording).
# Training: libxgboost through peng-ts train, 210 rounds (nmap-harvester's n_estimators),
# seed 1, one thread.
set -euo pipefail
cd "$(dirname "$0")/.."
PENG=(node --import tsx src/main.ts)
# The compiled CLI when no source is newer (npm run build): the same code, started in half the time.
if [ -f dist/src/main.js ] && [ -z "$(find src -name '*.ts' -newer dist/src/main.js -print -quit)" ]; then
  PENG=(node dist/src/main.js)
fi
OUT="${OUT:-models/classifier-default.json}"
SHARED="${SHARED_CAPTURES:-../shared/captures}"
if [ $# -ge 1 ]; then
  mkdir -p models/data
  for p in "$1"/day*-s?.pcap; do
    name=$(basename "$p" .pcap)
    "${PENG[@]}" sessions -r "$p" --scanner 10.77.0.1,fd77::1 2>/dev/null | gzip -n -9 > "models/data/$name.csv.gz"
  done
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
public=(
  "evilfingers_nmap_sS_TCP_SYN_SCAN.pcap --scanner 192.168.1.10"
  "evilfingers_nmap_sT_TCP_CONNECT_SCAN.pcap --scanner 192.168.1.10"
  "evilfingers_nmap_sN_NULL_SCAN.pcap --scanner 192.168.1.10"
  "hw13-01_nmap_sS_sF_sX_sU_multi.pcapng --scanner 192.168.67.1"
  "esnet_masscan_tcp_0_1000_20190821.pcap --scanner 172.31.15.102"
  "scannerrec_zmap_syn80_10k_hosts.pcap --scanner 192.168.37.132"
  "benign_kdd99sparkml_normal_web_ipv4.pcap --label 0"
  "benign_ndpi_reddit_web_ipv6.pcap --label 0"
  "benign_ndpi_gnutella_p2p.pcap --label 0"
  "benign_ndpi_KakaoTalk_talk_linux_sll.pcap --label 0"
)
csvs=(models/data/day*-s?.csv.gz)
for entry in "${public[@]}"; do
  read -r file opt value <<<"$entry"
  [ -f "$SHARED/$file" ] || { echo "make-default-model: $SHARED/$file missing (set SHARED_CAPTURES)" >&2; exit 1; }
  "${PENG[@]}" sessions -r "$SHARED/$file" "$opt" "$value" 2>/dev/null > "$tmp/${file%.*}.csv"
  csvs+=("$tmp/${file%.*}.csv")
done
"${PENG[@]}" train "${csvs[@]}" --model "$OUT" --rounds 210 --seed 1
