import Testing
import VPCWire

@Suite struct AddressTests {
    @Test(arguments: [
        ("::", "::"), ("::1", "::1"), ("2001:db8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),      // RFC 5952 §4.2.3: first of equal runs
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),   // §4.2.2: one zero group is not compressed
        ("2001:DB8::A", "2001:db8::a"),                     // §4.3 lowercase
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),           // §5 mapped keeps dotted form
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("fe80::", "fe80::"), ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
    ])
    func ipv6Canonical(input: String, canonical: String) throws {
        let a = try #require(IPv6Address(input))
        #expect(a.description == canonical)
        #expect(IPv6Address(canonical) == a)
    }

    @Test(arguments: [":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "1:", ":1", "::1:", "1.2.3.4",
                      "1:2:3:4:5:6:7:8::", "::1.2.3", "::1.2.3.4:5", "g::", ""])
    func ipv6Rejects(input: String) {
        #expect(IPv6Address(input) == nil)
    }

    @Test func ipv6Groups() throws {
        let a = try #require(IPv6Address("2001:db8:1:2:3:4:5:6"))
        #expect(a.high == 0x2001_0db8_0001_0002 && a.low == 0x0003_0004_0005_0006)
        #expect(a.group(0) == 0x2001 && a.group(7) == 6)
        #expect(IPv6Address("fd00:99::2")!.solicitedNodeMulticast.description == "ff02::1:ff00:2")
        #expect(MACAddress(ipv6Multicast: IPv6Address("ff02::1:ff00:2")!).description == "33:33:ff:00:00:02")
        #expect(IPv6Address("fe80::1")!.isLinkLocal && IPv6Address("ff02::1")!.isMulticast)
        #expect(IPv6Address("::1")! < IPv6Address("::2")! && IPv6Address("::ffff")! < IPv6Address("1::")!)
    }

    @Test func ipv4() throws {
        #expect(IPv4Address("10.0.1.5")?.value == 0x0A00_0105)
        #expect(IPv4Address("255.255.255.255")?.description == "255.255.255.255")
        for bad in ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1..2.3", "a.b.c.d", "", "1.2.3.4 "] {
            #expect(IPv4Address(bad) == nil, "\(bad)")
        }
        #expect(IPv4Address(10, 0, 0, 1) < IPv4Address(10, 0, 0, 2))
        #expect(IPAddress("10.0.0.1") == .v4(IPv4Address(10, 0, 0, 1)))
        #expect(IPAddress("::1") == .v6(.loopback))
        #expect(IPAddress("x") == nil)
    }

    @Test func mac() throws {
        let m = try #require(MACAddress("02:00:5E:10:00:0a"))
        #expect(m.value == 0x0200_5E10_000A && m.description == "02:00:5e:10:00:0a")
        #expect(MACAddress("02-00-5e-10-00-0a") == m)
        for bad in ["02:00:5e:10:00", "02:00:5e:10:00:0a:01", "2:0:5e:10:0:a", "02:00:5e:10:00:0g", "02:00-5e:10:00:0a"] {
            #expect(MACAddress(bad) == nil, "\(bad)")
        }
        #expect(MACAddress.broadcast.isBroadcast && MACAddress.broadcast.isMulticast && !m.isMulticast)
    }

    @Test func eniNumbers() throws {
        let e = try #require(NetworkInterfaceNumber("eni-0123456789abcdef0"))
        #expect(e.value == 0x1234_5678_9ABC_DEF0)
        #expect(e.description == "eni-0123456789abcdef0")
        #expect(NetworkInterfaceNumber(value: 1).description == "eni-00000000000000001")
        #expect(NetworkInterfaceNumber("eni-1123456789abcdef0") == nil) // first digit must be 0
        #expect(NetworkInterfaceNumber("eni-0123456789abcdef") == nil)  // 16 digits
        #expect(NetworkInterfaceNumber("vpc-0123456789abcdef0") == nil)
        #expect(NetworkInterfaceNumber("eni-0123456789abcdefg") == nil)
    }
}
