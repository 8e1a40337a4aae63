import EC2Shapes
import VPCControlPlane
import VPCModel
import VPCStore

/// A control plane over an in-memory store, with two accounts' helpers.
struct Fixture {
    static let accountA = "111111111111"
    static let accountB = "222222222222"
    let store: InMemoryStore
    let cp: ControlPlane

    init(options: ControlPlaneOptions = .init()) throws {
        store = InMemoryStore()
        cp = try ControlPlane(store: store, options: options)
    }

    func write<T>(_ account: String = accountA, _ body: (inout Transaction) throws -> T) throws -> T {
        try cp.write(account: account, region: "us-east-1", body)
    }

    func read<T>(_ account: String = accountA, _ body: (RegionState) throws -> T) throws -> T {
        try cp.read(account: account, region: "us-east-1", body)
    }

    /// Creates a VPC and returns its id.
    func vpc(_ cidr: String = "10.0.0.0/16", account: String = accountA, ipv6: Bool = false) throws -> String {
        try write(account) {
            try $0.createVpc(EC2.CreateVpcRequest(cidrBlock: cidr, amazonProvidedIpv6CidrBlock: ipv6)).vpc!.vpcId!
        }
    }

    /// Creates a subnet and returns its id.
    func subnet(_ vpcId: String, _ cidr: String, account: String = accountA, ipv6: String? = nil) throws -> String {
        try write(account) {
            try $0.createSubnet(EC2.CreateSubnetRequest(availabilityZone: "us-east-1a", cidrBlock: cidr,
                                                        ipv6CidrBlock: ipv6, vpcId: vpcId)).subnet!.subnetId!
        }
    }
}

/// The EC2 error code a throwing call fails with, or nil if it succeeds.
func errorCode(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let e as EC2Error {
        return e.code
    } catch {
        return "\(error)"
    }
}
