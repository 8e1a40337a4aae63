import Testing
@testable import VPCDataplane
import VPCWire

@Suite("InterfaceDirectory")
struct InterfaceDirectoryTests {
    static func location(_ eni: UInt64, vni: UInt32 = 7, ipv4: IPv4Address? = nil, check: Bool = true) -> InterfaceDirectory.Location {
        InterfaceDirectory.Location(vni: vni, entry: MappingEntry(underlay: .v4(v4("192.168.0.1")), eni: eni, mac: .zero, version: 1),
                                    sourceDestCheck: check, ipv4: ipv4)
    }

    @Test func findsEveryENIOfItsVPCAndNothingElse() {
        // Many ENIs in a table twice their number: colliding slots probe past each other.
        let enis = (0..<1000).map { UInt64($0) } + (1...50).map { UInt64($0) << 40 }
        let d = InterfaceDirectory(enis.map { Self.location($0, check: $0 % 2 == 0) })
        #expect(d.count == enis.count)
        for e in enis {
            #expect(d.location(of: e, vni: 7)?.sourceDestCheck == (e % 2 == 0))
            #expect(d.location(of: e, vni: 8) == nil)
        }
        #expect(d.location(of: 1000, vni: 7) == nil && d.location(of: UInt64.max, vni: 7) == nil)
    }

    @Test func anENIListedPerAddressKeepsOneWithAnIPv4Address() {
        let d = InterfaceDirectory([Self.location(5), Self.location(5, ipv4: v4("10.0.1.5")), Self.location(5, ipv4: v4("10.0.1.6"))])
        #expect(d.count == 1 && d.location(of: 5, vni: 7)?.ipv4 == v4("10.0.1.5").value)
    }

    @Test func replacingForgetsWhatWasThere() {
        let d = InterfaceDirectory((0..<100).map { Self.location($0) })
        d.replace(with: [Self.location(500)])
        #expect(d.count == 1 && d.location(of: 3, vni: 7) == nil && d.location(of: 500, vni: 7) != nil)
        d.replace(with: [])
        #expect(d.count == 0 && d.location(of: 500, vni: 7) == nil)
    }
}
