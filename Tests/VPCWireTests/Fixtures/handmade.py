#!/usr/bin/env python3
"""Builds vlan.pcap and geneve.pcap around the real ICMP echo request in
arp_icmp.pcap (frame 3). tcpdump -r decodes both; see README.md."""
import struct

def read_pcap(path):
    data = open(path, "rb").read()
    off, frames = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return frames

def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1_700_000_000 + i, 0, len(fr), len(fr)))
            f.write(fr)

def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

inner = read_pcap("arp_icmp.pcap")[2]
assert inner[12:14] == b"\x08\x00"

# 802.1Q: VLAN 42, PCP 0, inserted after the MAC addresses.
tagged = inner[:12] + struct.pack("!HH", 0x8100, 42) + inner[12:]
write_pcap("vlan.pcap", [tagged])

# Geneve (RFC 8926): VNI 0x00abcd, protocol 0x6558, our option class 0xFFF0 type 1 len 4.
src_eni, dst_eni = 0x0123456789ABCDEF, 0x0FEDCBA987654321
opt = struct.pack("!HBB", 0xFFF0, 0x01, 4) + struct.pack("!QQ", src_eni, dst_eni)
gnv = struct.pack("!BBHI", len(opt) // 4, 0, 0x6558, 0x00ABCD << 8) + opt + inner
osrc, odst = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])  # RFC 5737 documentation addresses
udp_len = 8 + len(gnv)
udp = struct.pack("!HHHH", 51234, 6081, udp_len, 0) + gnv
pseudo = osrc + odst + struct.pack("!BBH", 0, 17, udp_len)
uc = csum(pseudo + udp) or 0xFFFF
udp = udp[:6] + struct.pack("!H", uc) + udp[8:]
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0x4000, 64, 17, 0, osrc, odst)
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
outer = bytes.fromhex("020000000002" "020000000001") + b"\x08\x00" + ip + udp
write_pcap("geneve.pcap", [outer])
print("wrote vlan.pcap geneve.pcap")
