import Testing
@testable import VPCAgent
import VPCWire

@Suite struct LookupQueueTests {
    let a = IPAddress.v4(IPv4Address("10.0.1.20")!)
    let b = IPAddress.v4(IPv4Address("10.0.1.21")!)
    let c = IPAddress.v4(IPv4Address("10.0.1.22")!)

    @Test func aMissWaitingAlreadyIsNotQueuedAgain() {
        var q = LookupQueue(capacity: 8)
        let pushed = [q.push(vni: 7, a, generation: 1), q.push(vni: 7, a, generation: 2), q.push(vni: 8, a, generation: 2)]
        #expect(pushed == [true, false, true])
        let taken = q.takeAll()
        #expect(taken.map(\.key) == [.init(vni: 7, address: a), .init(vni: 8, address: a)])
        #expect(taken.map(\.generation) == [1, 2])
        let again = q.push(vni: 7, a, generation: 3)  // asked again once taken
        #expect(again)
    }

    @Test func pastItsCapacityMissesAreDroppedAndCounted() {
        var q = LookupQueue(capacity: 2)
        let pushed = [q.push(vni: 7, a, generation: 1), q.push(vni: 7, b, generation: 1), q.push(vni: 7, c, generation: 1)]
        #expect(pushed == [true, true, false])
        #expect(q.dropped == 1 && q.waiting.count == 2)
    }
}
