public import VPCStore

/// The resources a call touched, best effort: every EC2 id (`vpc-…`, `subnet-…`)
/// among the request's values and the response's elements.
public enum ResourceIDs {
    /// Each id prefix's CloudFormation type and ARN resource path (an association has
    /// no ARN of its own in AWS; its kind stands in).
    static let types: [(prefix: String, type: String, arnPath: String)] = [
        ("vpc-", "AWS::EC2::VPC", "vpc"), ("subnet-", "AWS::EC2::Subnet", "subnet"),
        ("sg-", "AWS::EC2::SecurityGroup", "security-group"),
        ("sgr-", "AWS::EC2::SecurityGroupRule", "security-group-rule"), ("acl-", "AWS::EC2::NetworkAcl", "network-acl"),
        ("aclassoc-", "AWS::EC2::SubnetNetworkAclAssociation", "aclassoc"), ("rtb-", "AWS::EC2::RouteTable", "route-table"),
        ("rtbassoc-", "AWS::EC2::SubnetRouteTableAssociation", "rtbassoc"),
        ("igw-", "AWS::EC2::InternetGateway", "internet-gateway"),
        ("eigw-", "AWS::EC2::EgressOnlyInternetGateway", "egress-only-internet-gateway"),
        ("dopt-", "AWS::EC2::DHCPOptions", "dhcp-options"), ("eipalloc-", "AWS::EC2::EIP", "elastic-ip"),
        ("eipassoc-", "AWS::EC2::EIPAssociation", "eipassoc"),
        ("eni-", "AWS::EC2::NetworkInterface", "network-interface"),
        ("eni-attach-", "AWS::EC2::NetworkInterfaceAttachment", "eni-attach"),
        ("pl-", "AWS::EC2::PrefixList", "prefix-list"), ("vpc-cidr-assoc-", "AWS::EC2::VPCCidrBlock", "vpc-cidr-assoc"),
        ("subnet-cidr-assoc-", "AWS::EC2::SubnetCidrBlock", "subnet-cidr-assoc"),
        ("i-", "AWS::EC2::Instance", "instance"), ("fl-", "AWS::EC2::FlowLog", "vpc-flow-log"),
    ]

    /// The ARN resource path of an id (`sg-…` → `security-group`, `i-…` → `instance`).
    public static func arnPath(of id: String) -> String {
        let kind = id.utf8[..<(id.utf8.lastIndex(of: UInt8(ascii: "-")) ?? id.endIndex)]
        return types.first { $0.prefix.utf8.dropLast().elementsEqual(kind) }?.arnPath ?? String(Substring(kind))
    }

    /// The resource type of an id, if it looks like one of ours (a known prefix, at least 8 hex digits).
    public static func type(of id: String) -> String? {
        let bytes = id.utf8
        guard bytes.count <= 64, let dash = bytes.lastIndex(of: UInt8(ascii: "-")) else { return nil }
        let suffix = bytes[bytes.index(after: dash)...]
        guard suffix.count >= 8, suffix.allSatisfy(isHexDigit) else { return nil }
        let prefix = bytes[...dash]
        return types.first { $0.prefix.utf8.elementsEqual(prefix) }?.type
    }

    static func isHexDigit(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "f"))
    }

    /// The ids among `values`' strings, each once, in the order visited (object members by sorted key).
    public static func collect(_ values: [JSONValue]) -> [AuditResource] {
        var found = Collector()
        func visit(_ v: JSONValue) {
            switch v {
            case .string(let s): found.add(s)
            case .array(let items): items.forEach(visit)
            case .object(let members): for key in members.keys.sorted() { visit(members[key]!) }
            default: break
            }
        }
        values.forEach(visit)
        return found.resources
    }

    /// Resources found one value at a time, each id once.
    struct Collector {
        private(set) var resources: [AuditResource] = []
        /// The names, once there are too many to search one by one.
        private var names: Set<String> = []

        mutating func add(_ value: String) {
            guard let type = ResourceIDs.type(of: value) else { return }
            add(AuditResource(type: type, name: value))
        }

        mutating func add(_ resource: AuditResource) {
            if resources.count < 32 {
                guard !resources.contains(where: { $0.name == resource.name }) else { return }
                if resources.count == 31 { names = Set(resources.map(\.name) + [resource.name]) }
            } else {
                guard names.insert(resource.name).inserted else { return }
            }
            resources.append(resource)
        }
    }
}
