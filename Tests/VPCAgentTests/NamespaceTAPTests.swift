import Foundation
import Testing
import VPCAgent
import VPCWire
#if canImport(Glibc)
import Glibc
#endif

/// Real namespaces and TAP devices; needs root (CI runs as root). Unique names per run.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: network namespaces and TAP devices"))
struct NamespaceTAPTests {
    func uniqueNamespace() -> NetworkNamespace {
        NetworkNamespace(instanceId: "i-0" + String(format: "%016llx", UInt64.random(in: 0...UInt64.max)))
    }

    func ipLink(_ ns: NetworkNamespace) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["-n", ns.name, "-o", "link", "show"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try? p.run()
        let d = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: d, as: UTF8.self)
    }

    @Test func tapLivesInTheNamespaceWithTheENIMacAndMTU() throws {
        let ns = uniqueNamespace()
        try ns.create()
        defer { try? ns.delete() }
        let mac = MACAddress(0x02, 0x11, 0x22, 0x33, 0x44, 0x55)
        let tap = try TAPDevice(name: "eth0", in: ns, mac: mac)
        let links = ipLink(ns)
        #expect(links.contains("eth0:") && links.contains("mtu 9001") && links.contains("02:11:22:33:44:55"))
        #expect(links.contains("lo:") && links.contains("LOOPBACK,UP"))
        let (readMAC, mtu) = try TAPDevice.linkInfo("eth0", in: ns)
        #expect(readMAC == mac && mtu == 9001)
        tap.destroy()
        #expect(!ipLink(ns).contains("eth0"))
        try ns.delete()
        #expect(!ns.exists)
        #expect(!FileManager.default.fileExists(atPath: "/etc/netns/\(ns.name)"))
    }

    @Test func persistentTAPSurvivesItsDescriptorAndIsReattached() throws {
        let ns = uniqueNamespace()
        try ns.create()
        defer { try? ns.delete() }
        let mac = MACAddress(0x02, 0, 0, 0, 0x12, 0x34)
        let first = try TAPDevice(name: "eth0", in: ns, mac: mac)
        first.detach()  // the agent exits without cleanup
        #expect(ipLink(ns).contains("eth0:"))
        let again = try TAPDevice(name: "eth0", in: ns, mac: mac)
        #expect(again.fd >= 0)
        #expect(try TAPDevice.linkInfo("eth0", in: ns).0 == mac)
        again.destroy()
        #expect(!ipLink(ns).contains("eth0"))
    }

    @Test func deleteKillsTheNamespaceProcessesAndResolvConf() throws {
        let ns = uniqueNamespace()
        try ns.create()
        try ns.writeResolvConf(nameservers: ["10.0.0.2"], search: "ec2.internal")
        let conf = try String(contentsOfFile: "/etc/netns/\(ns.name)/resolv.conf", encoding: .utf8)
        #expect(conf.contains("nameserver 10.0.0.2") && conf.contains("search ec2.internal"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        p.arguments = ["netns", "exec", ns.name, "sleep", "60"]
        try p.run()
        var waited = 0
        while ns.processIDs().isEmpty && waited < 100 { usleep(20_000); waited += 1 }
        #expect(ns.processIDs() == [p.processIdentifier])
        try ns.delete()
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        #expect(!ns.exists)
        #expect(!FileManager.default.fileExists(atPath: "/etc/netns/\(ns.name)"))
    }

    @Test func instanceNamespacesAreFoundByPrefix() throws {
        let ns = uniqueNamespace()
        try ns.create()
        defer { try? ns.delete() }
        #expect(NetworkNamespace.instanceNamespaces().contains(ns))
        #expect(ns.instanceId.map { NetworkNamespace(instanceId: $0) } == ns)
    }
}
