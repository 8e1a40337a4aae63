#!/bin/bash
# Regenerates the .pcap fixtures from real traffic between two network
# namespaces made here and removed on exit. Needs root, iproute2, ethtool, tcpdump,
# iputils-ping, dnsutils (dig), netcat-openbsd, busybox, python3.
# Traffic stays inside the two namespaces.
set -eu
cd "$(dirname "$0")"
ID=$$
A=wirecap-a-$ID
B=wirecap-b-$ID
VA=wca$ID
VB=wcb$ID
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    ip netns del "$A" 2>/dev/null || true
    ip netns del "$B" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$A"
ip netns add "$B"
ip link add "$VA" netns "$A" type veth peer name "$VB" netns "$B"
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" addr add 10.99.0.1/24 dev "$VA"
ip -n "$B" addr add 10.99.0.2/24 dev "$VB"
ip -n "$A" -6 addr add fd00:99::1/64 dev "$VA" nodad
ip -n "$B" -6 addr add fd00:99::2/64 dev "$VB" nodad
ip -n "$A" link set "$VA" address 02:00:00:00:00:0a
ip -n "$B" link set "$VB" address 02:00:00:00:00:0b
# veth offloads leave TCP/UDP checksums partial (pseudo-header only); fixtures want real ones.
ip netns exec "$A" ethtool -K "$VA" tx off >/dev/null
ip netns exec "$B" ethtool -K "$VB" tx off >/dev/null

# capture NAME CMD...: records on B's side while CMD runs in A.
start_capture() {
    ip netns exec "$B" tcpdump -i "$VB" -U -s 0 -w "$1.pcap" ${2:-} >/dev/null 2>&1 &
    CAP=$!
    PIDS+=("$CAP")
    sleep 1
}
stop_capture() { sleep 1; kill "$CAP"; wait "$CAP" 2>/dev/null || true; }

# Router solicitations go out when the link comes up (RFC 4861 §6.3.7).
ip -n "$B" link set "$VB" up
start_capture ndp_rs_ra "icmp6"
ip -n "$A" link set "$VA" up
sleep 2.5
# A router advertisement from A, sent with a raw ICMPv6 socket (kernel fills the checksum).
ip netns exec "$A" python3 - "$VA" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex(sys.argv[1]))
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 1800, 0, 0)
sll = struct.pack("!BB6s", 1, 1, bytes.fromhex("02000000000a"))
mtu = struct.pack("!BBHI", 5, 1, 0, 9001)
pio = struct.pack("!BBBBIII16s", 3, 4, 64, 0xC0, 2592000, 604800, 0, socket.inet_pton(socket.AF_INET6, "fd00:99::"))
s.sendto(ra + sll + mtu + pio, ("ff02::1", 0, 0, socket.if_nametoindex(sys.argv[1])))
PY
stop_capture

start_capture arp_icmp "arp or icmp"
ip netns exec "$A" ping -c 1 -W 2 10.99.0.2 >/dev/null
stop_capture

start_capture ndp_icmpv6 "icmp6"
ip netns exec "$A" ping -6 -c 1 -W 2 fd00:99::2 >/dev/null
stop_capture

# Fragments: 3000-byte echo over a 1500 MTU link.
start_capture fragments "ip or ip6"
ip netns exec "$A" ping -c 1 -W 2 -s 3000 10.99.0.2 >/dev/null
ip netns exec "$A" ping -6 -c 1 -W 2 -s 3000 fd00:99::2 >/dev/null
stop_capture

# TCP: a connection carrying one line each way, over IPv4 and IPv6.
ip netns exec "$B" python3 -c '
import socket
for fam, addr in ((socket.AF_INET, "10.99.0.2"), (socket.AF_INET6, "fd00:99::2")):
    s = socket.socket(fam, socket.SOCK_STREAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 8080)); s.listen(1); c, _ = s.accept(); c.recv(100); c.sendall(b"world\n"); c.close(); s.close()
' &
PIDS+=($!)
sleep 0.5
start_capture tcp "tcp"
echo hello | ip netns exec "$A" nc -q 1 10.99.0.2 8080 >/dev/null
echo hello | ip netns exec "$A" nc -q 1 fd00:99::2 8080 >/dev/null
stop_capture

# UDP and DNS: dig against a tiny python responder (A, AAAA, PTR).
ip netns exec "$B" python3 - <<'PY' &
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.0.2", 53))
s.settimeout(10)
for _ in range(3):
    q, peer = s.recvfrom(512)
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    i = 12
    while q[i]: i += 1 + q[i]
    qtype = struct.unpack("!H", q[i+1:i+3])[0]
    question = q[12:i+5]
    if qtype == 1: rdata = socket.inet_aton("10.99.0.5")
    elif qtype == 28: rdata = socket.inet_pton(socket.AF_INET6, "fd00:99::5")
    else: rdata = b"\x0cip-10-99-0-5\x03ec2\x08internal\x00"
    ans = struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(rdata)) + rdata
    s.sendto(struct.pack("!HHHHHH", qid, 0x8580, 1, 1, 0, 0) + question + ans, peer)
PY
PIDS+=($!)
sleep 0.5
start_capture dns "udp port 53"
ip netns exec "$A" dig +tries=1 +time=2 @10.99.0.2 ip-10-99-0-5.ec2.internal A >/dev/null
ip netns exec "$A" dig +tries=1 +time=2 @10.99.0.2 ip-10-99-0-5.ec2.internal AAAA >/dev/null
ip netns exec "$A" dig +tries=1 +time=2 @10.99.0.2 -x 10.99.0.5 >/dev/null
stop_capture

# UDP over IPv6.
start_capture udp6 "udp"
ip netns exec "$B" timeout 3 nc -6 -u -l -p 9999 -W 1 >/dev/null &
sleep 0.3
echo ping | ip netns exec "$A" nc -6 -u -q 1 -w 1 fd00:99::2 9999 || true
stop_capture

# DHCP: busybox udhcpd in B, udhcpc in A.
cat > /tmp/udhcpd-$ID.conf <<CONF
start 10.99.0.100
end 10.99.0.150
interface $VB
lease_file /tmp/udhcpd-$ID.leases
opt subnet 255.255.255.0
opt router 10.99.0.2
opt dns 10.99.0.2
opt domain ec2.internal
opt lease 3600
opt mtu 9001
CONF
touch /tmp/udhcpd-$ID.leases
ip netns exec "$B" busybox udhcpd -f /tmp/udhcpd-$ID.conf >/dev/null 2>&1 &
PIDS+=($!)
sleep 0.5
start_capture dhcp "udp port 67 or udp port 68"
ip netns exec "$A" busybox udhcpc -i "$VA" -n -q -f -s /bin/true -x hostname:wirecap -t 3 >/dev/null 2>&1 || true
stop_capture
rm -f /tmp/udhcpd-$ID.conf /tmp/udhcpd-$ID.leases

# 802.1Q and Geneve: the kernel here has neither module, so handmade.py builds
# those fixtures around a real captured frame.
python3 handmade.py
echo "captured: $(ls *.pcap | tr '\n' ' ')"
