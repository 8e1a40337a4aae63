public import VPCStore

/// The resources a call touched, best effort: every EC2 id (`vpc-…`, `subnet-…`)
/// among the request's values and the response's elements.
public enum ResourceIDs {
    static let types: [(prefix: String, type: String)] = [
        ("vpc-", "AWS::EC2::VPC"), ("subnet-", "AWS::EC2::Subnet"), ("sg-", "AWS::EC2::SecurityGroup"),
        ("sgr-", "AWS::EC2::SecurityGroupRule"), ("acl-", "AWS::EC2::NetworkAcl"),
        ("aclassoc-", "AWS::EC2::SubnetNetworkAclAssociation"), ("rtb-", "AWS::EC2::RouteTable"),
        ("rtbassoc-", "AWS::EC2::SubnetRouteTableAssociation"), ("igw-", "AWS::EC2::InternetGateway"),
        ("eigw-", "AWS::EC2::EgressOnlyInternetGateway"), ("dopt-", "AWS::EC2::DHCPOptions"),
        ("eipalloc-", "AWS::EC2::EIP"), ("eipassoc-", "AWS::EC2::EIPAssociation"),
        ("eni-", "AWS::EC2::NetworkInterface"), ("eni-attach-", "AWS::EC2::NetworkInterfaceAttachment"),
        ("pl-", "AWS::EC2::PrefixList"), ("vpc-cidr-assoc-", "AWS::EC2::VPCCidrBlock"),
        ("subnet-cidr-assoc-", "AWS::EC2::SubnetCidrBlock"), ("i-", "AWS::EC2::Instance"), ("fl-", "AWS::EC2::FlowLog"),
    ]

    /// The resource type of an id, if it looks like one of ours.
    public static func type(of id: String) -> String? {
        guard id.utf8.count <= 64, let dash = id.lastIndex(of: "-") else { return nil }
        let suffix = id[id.index(after: dash)...]
        guard suffix.count >= 8, suffix.allSatisfy(\.isHexDigit) else { return nil }
        let prefix = id[...dash]
        return types.first { $0.prefix == prefix }?.type
    }

    public static func collect(_ values: [JSONValue]) -> [AuditResource] {
        var found: [AuditResource] = []
        var seen: Set<String> = []
        func visit(_ v: JSONValue) {
            switch v {
            case .string(let s):
                if let type = type(of: s), seen.insert(s).inserted { found.append(AuditResource(type: type, name: s)) }
            case .array(let items): items.forEach(visit)
            case .object(let members): for key in members.keys.sorted() { visit(members[key]!) }
            default: break
            }
        }
        values.forEach(visit)
        return found
    }
}
