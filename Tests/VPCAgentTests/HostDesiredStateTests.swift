import Testing
import VPCAgent
import VPCModel

@Suite struct HostDesiredStateTests {
    @Test func fullUpdateReplacesEverything() {
        var s = HostDesiredState()
        s.apply(HostFeedUpdate(version: 5, full: true, instances: [Fixtures.instance("i-a"), Fixtures.instance("i-b")],
                               networks: [Fixtures.network()]))
        let change = s.apply(HostFeedUpdate(version: 9, full: true, instances: [Fixtures.instance("i-b")], networks: []))
        #expect(s.version == 9)
        #expect(Set(s.instances.keys) == ["i-b"])
        #expect(s.networks.isEmpty)
        #expect(change.removed == ["i-a"])
        #expect(change.upserted.isEmpty)  // i-b unchanged
    }

    @Test func deltaUpsertsAndRemoves() {
        var s = HostDesiredState()
        s.apply(HostFeedUpdate(version: 5, full: true, instances: [Fixtures.instance("i-a"), Fixtures.instance("i-b")],
                               networks: [Fixtures.network()]))
        let change = s.apply(HostFeedUpdate(version: 6, full: false, instances: [Fixtures.instance("i-a", boot: 2)],
                                            removedInstances: ["i-b", "i-unknown"], removedNetworks: ["vpc-1"]))
        #expect(s.version == 6)
        #expect(s.instances["i-a"]?.bootCount == 2)
        #expect(s.instances["i-b"] == nil)
        #expect(s.networks.isEmpty)
        #expect(change.upserted == ["i-a"] && change.removed == ["i-b"])
    }

    @Test func networkDocumentsAreReplacedWhole() {
        var s = HostDesiredState()
        s.apply(HostFeedUpdate(version: 1, full: true, networks: [Fixtures.network(icmp: true)]))
        s.apply(HostFeedUpdate(version: 2, full: false, networks: [Fixtures.network(icmp: false)]))
        #expect(s.networks["vpc-1"] == Fixtures.network(icmp: false))
    }

    @Test func olderDeltaChangesNothing() {
        var s = HostDesiredState()
        s.apply(HostFeedUpdate(version: 7, full: true, instances: [Fixtures.instance("i-a")]))
        let before = s
        let change = s.apply(HostFeedUpdate(version: 3, full: false, removedInstances: ["i-a"]))
        #expect(s == before)
        #expect(change.removed.isEmpty)
    }

    @Test func fullUpdateAfterAControlPlaneRestartIsAccepted() {
        var s = HostDesiredState()
        s.apply(HostFeedUpdate(version: 7, full: true, instances: [Fixtures.instance("i-a")]))
        s.apply(HostFeedUpdate(version: 3, full: true, instances: [Fixtures.instance("i-c")]))
        #expect(s.version == 3 && Set(s.instances.keys) == ["i-c"])
    }
}
