import EC2Shapes
import Synchronization
@testable import VPCControlPlane
import VPCModel

/// Helpers for the instance and host-feed tests.
extension Fixture {
    static let ami = "ami-0123456789abcdef0"

    /// Registers a host agent.
    func host(_ id: String, underlay: String = "192.0.2.1") throws {
        try cp.registerHost(HostRegistration(hostId: id, underlay: underlay))
    }

    /// Runs `count` instances in the subnet and returns them as RunInstances answered.
    func run(_ subnetId: String?, count: Int = 1, account: String = accountA,
             _ configure: (inout EC2.RunInstancesRequest) -> Void = { _ in }) throws -> [EC2.Instance] {
        var request = EC2.RunInstancesRequest(imageId: Self.ami, maxCount: count, minCount: count)
        request.subnetId = subnetId
        configure(&request)
        return try write(account) { try $0.runInstances(request) }.instances!
    }

    /// The instance's record now.
    func instance(_ id: String, account: String = accountA) throws -> InstanceRecord? {
        try read(account) { $0.instances[id] }
    }

    /// The host agent reports the instance in `state`.
    func report(_ id: String, _ state: String, host: String, console: String? = nil) throws {
        _ = try cp.applyHostStatus(HostStatus(hostId: host, appliedVersion: cp.version, instances: [
            InstanceStatus(instanceId: id, state: state, consoleOutput: console)]))
    }

    /// The documents a host would be sent now.
    func documents(_ host: String) -> HostDocuments {
        let (_, regions, hosts) = cp.versionedSnapshot()
        return HostDocuments(hostId: host, regions: regions, hosts: hosts)
    }

    func authorize(_ groupId: String, cidr: String? = nil, from source: String? = nil, port: Int = 22) throws {
        try write { tx in
            _ = try tx.authorizeSecurityGroupIngress(.init(groupId: groupId, ipPermissions: [Self.permission(cidr, source, port)]))
        }
    }

    func revoke(_ groupId: String, cidr: String? = nil, from source: String? = nil, port: Int = 22) throws {
        try write { tx in
            _ = try tx.revokeSecurityGroupIngress(.init(groupId: groupId, ipPermissions: [Self.permission(cidr, source, port)]))
        }
    }

    static func permission(_ cidr: String?, _ source: String?, _ port: Int) -> EC2.IpPermission {
        EC2.IpPermission(ipProtocol: "tcp", fromPort: port, toPort: port,
                         userIdGroupPairs: source.map { [EC2.UserIdGroupPair(groupId: $0)] },
                         ipRanges: cidr.map { [EC2.IpRange(cidrIp: $0)] })
    }
}

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let seconds = Mutex<Double>(1_800_000_000)
    var now: Double { seconds.withLock { $0 } }
    func advance(_ by: Double) { seconds.withLock { $0 += by } }
}
