#!/usr/bin/env bash
# How samples/nmap-syn-scan.pcap was made (as root): two network namespaces on
# a veth pair; 10.99.0.3 browses a web server on the victim 10.99.0.2, then
# 10.99.0.1 runs nmap -sS over ports 1-1000, then more browsing. Captured on
# the victim's side with tcpdump, snap length 128.
set -euo pipefail
out=${1:-samples/nmap-syn-scan.pcap}
a=smp$$a b=smp$$b
cleanup() { ip netns pids "$b" 2>/dev/null | xargs -r kill 2>/dev/null || true; ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; }
trap cleanup EXIT
ip netns add "$a"; ip netns add "$b"
ip link add "$a-v" type veth peer name "$b-v"
ip link set "$a-v" netns "$a"; ip link set "$b-v" netns "$b"
ip -n "$a" addr add 10.99.0.1/24 dev "$a-v"; ip -n "$a" addr add 10.99.0.3/24 dev "$a-v"
ip -n "$b" addr add 10.99.0.2/24 dev "$b-v"
for n in "$a" "$b"; do ip -n "$n" link set lo up; ip -n "$n" link set "$n-v" up; done
ip netns exec "$b" python3 -m http.server 8080 --bind 10.99.0.2 >/dev/null 2>&1 &
ip netns exec "$b" sh -c 'nc -lk -p 22 -s 10.99.0.2 >/dev/null 2>&1 &'
sleep 1
ip netns exec "$b" tcpdump -i "$b-v" -w "$out" -s 128 -U 2>/dev/null &
sleep 1.5
browse() { for i in $(seq "$1"); do ip netns exec "$a" curl -s -o /dev/null --interface 10.99.0.3 http://10.99.0.2:8080/; done; }
browse 6
ip netns exec "$a" nmap -sS -p 1-1000 -T4 -n --max-retries 1 -S 10.99.0.1 -e "$a-v" 10.99.0.2 >/dev/null
sleep 1; browse 3; sleep 1
kill %3 2>/dev/null || pkill -f "tcpdump -i $b-v"
sleep 0.5
