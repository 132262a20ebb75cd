#!/bin/bash
# Records the real captures under test/decode/captures (run as root, under the
# lab lock: flock /tmp/peng-lab.lock test/decode/captures/record.sh [outdir]).
# Two namespaces joined by a veth pair; tcpdump on the victim side; every
# probe goes only to the victim namespace. Namespaces are removed on exit.
set -euo pipefail
OUT=${1:-$(dirname "$0")}
P=pdv$$
A=$P-a; B=$P-b
cleanup() {
  ip netns pids $A 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns pids $B 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del $A 2>/dev/null || true
  ip netns del $B 2>/dev/null || true
}
trap cleanup EXIT INT TERM
ip netns add $A; ip netns add $B
ip link add ${P}a type veth peer name ${P}b
ip link set ${P}a netns $A; ip link set ${P}b netns $B
ip -n $A addr add 10.91.0.1/24 dev ${P}a; ip -n $B addr add 10.91.0.2/24 dev ${P}b
ip -n $A addr add fd91::1/64 dev ${P}a nodad; ip -n $B addr add fd91::2/64 dev ${P}b nodad
ip -n $A link set ${P}a up; ip -n $B link set ${P}b up
ip -n $A link set lo up; ip -n $B link set lo up
MAC_B=$(ip -n $B -o link show ${P}b | sed -E 's/.*link\/ether ([0-9a-f:]+).*/\1/')
# Something listening on the victim (open TCP 22 and 80; open UDP 53).
ip netns exec $B python3 -c '
import socket, threading
def tcp(p):
    s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR,1); s.bind(("0.0.0.0",p)); s.listen(64)
    while True:
        c,_=s.accept(); c.close()
for p in (22,80): threading.Thread(target=tcp,args=(p,),daemon=True).start()
u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("0.0.0.0",53))
while True:
    d,a=u.recvfrom(2048); u.sendto(d,a)
' &
sleep 0.3
rec() { # rec NAME CMD...
  local name=$1; shift
  rm -f /tmp/$P-tcpdump.err
  # No ARP, no neighbour discovery, no MLD (hop-by-hop header): only the lab's traffic.
  ip netns exec $B tcpdump -i ${P}b --immediate-mode -U -s 0 -w "$OUT/$name.pcap" \
    'not arp and not (ip6 and ip6[6] == 0) and not (icmp6 and ip6[40] >= 133 and ip6[40] <= 137)' 2>/tmp/$P-tcpdump.err &
  local tp=$!
  # Wait until tcpdump says it listens (the file header is written before that).
  for i in $(seq 1 100); do grep -q listening /tmp/$P-tcpdump.err 2>/dev/null && break; sleep 0.05; done
  sleep 0.3 # "listening" comes a moment before the first packet is caught
  ip netns exec $A "$@" >/tmp/$P-cmd.log 2>&1 || echo "warning: $name: command failed: $*" >&2
  sleep 0.5
  kill $tp; wait $tp 2>/dev/null || true
  local n=$(tcpdump -r "$OUT/$name.pcap" 2>/dev/null | wc -l)
  echo "$name: $n packets"
  [ "$n" -gt 0 ] || tail -5 /tmp/$P-cmd.log >&2
}
rec nmap-sY nmap -n -Pn -sY -p 1-10,80 --max-retries 0 10.91.0.2
rec nmap-sZ nmap -n -Pn -sZ -p 1-10,80 --max-retries 0 10.91.0.2
rec nmap-sO nmap -n -Pn -sO -p 1-10,41,47,50,58,132 --max-retries 0 10.91.0.2
rec nmap-sO6 nmap -6 -n -Pn -sO -p 0-10,41,47,50,58,132 --max-retries 0 fd91::2
rec nmap-f nmap -n -Pn -sS -f -p 20-25,80 --max-retries 0 10.91.0.2
rec nmap-ff nmap -n -Pn -sS -ff -p 20-25,80 --max-retries 0 10.91.0.2
rec nmap-mtu8 nmap -n -Pn -sS --mtu 8 -p 20-25,80 --max-retries 0 10.91.0.2
rec nmap-mtu16-sU nmap -n -Pn -sF --mtu 16 -p 20-25,80 --max-retries 0 10.91.0.2
# hping3: tiny fragments (-f, virtual MTU 16), and RFC 1858's overlap by hand: a
# fragment holding an ACK header with MF set, then one at offset 8 (-g 8 bytes, same IP
# id) whose data is another TCP header: it rewrites bytes 8-27 of the first. Its
# sequence number 0x50020c00 (1342311424) lands on bytes 12-15: data offset 5, flags
# SYN, window 3072, so the rewritten header is the SYN the first fragment hid.
rec hping3-f hping3 -S -p 80 -f -c 3 -i u20000 10.91.0.2
rec hping3-overlap sh -c 'hping3 -A -p 80 -s 40000 -k -x -N 4242 -c 1 10.91.0.2; hping3 -S -p 22 -s 40000 -k -g 8 -N 4242 -M 1342311424 -c 1 10.91.0.2'
# nmap refuses -f with IPv6 (NmapOps.cc: "fragmentation are not supported with IPv6"):
# the kernel fragments large IPv6 datagrams instead (veth MTU 1280).
ip -n $A link set ${P}a mtu 1280; ip -n $B link set ${P}b mtu 1280
rec ipv6-frag ip netns exec $A sh -c 'ping -6 -c 2 -s 3000 -W 1 fd91::2; python3 -c "import socket; s=socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.sendto(bytes(2600), (\"fd91::2\", 53))"'
ip -n $A link set ${P}a mtu 1500; ip -n $B link set ${P}b mtu 1500
echo > /tmp/$P-empty-blocklist.txt
rec zmap-udp zmap -M udp --probe-args=text:hello -p 53 -i ${P}a -S 10.91.0.1 -G $MAC_B --blacklist-file=/tmp/$P-empty-blocklist.txt -r 1000 -c 1 -q 10.91.0.0/28
rec masscan-udp masscan 10.91.0.2 -pU:50-60,123,161 --rate 1000 --wait 1 -e ${P}a --adapter-ip 10.91.0.1 --router-mac $MAC_B
rm -f /tmp/$P-empty-blocklist.txt /tmp/$P-tcpdump.err /tmp/$P-cmd.log
