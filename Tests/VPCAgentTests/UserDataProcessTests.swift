import Testing
@testable import VPCAgent

@Suite struct UserDataProcessTests {
    /// Each instance's user data runs as its own unprivileged user: never root or a system
    /// id, the same for an instance across agent restarts, different between instances.
    @Test func eachInstanceHasItsOwnUnprivilegedUser() {
        let names = (0..<1000).map { "vpc-i-" + String(0x0123_4567_89ab_0000 + $0, radix: 16) }
        let ids = names.map(UserDataProcess.userID(namespace:))
        #expect(ids.allSatisfy { $0 >= 0x6000_0000 && $0 < 0x7000_0000 })
        #expect(Set(ids).count == names.count)
        #expect(names.map(UserDataProcess.userID(namespace:)) == ids)
    }
}
