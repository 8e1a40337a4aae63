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
        let kind = id[..<(id.lastIndex(of: "-") ?? id.endIndex)]
        return types.first { $0.prefix.dropLast() == kind }?.arnPath ?? String(kind)
    }

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
