public import EC2Shapes

/// A VPC: the EC2 shape plus what the API shows through other calls.
public struct VpcRecord: Sendable, Codable, Equatable {
    public var vpc: EC2.Vpc
    /// The 24-bit network id the data plane puts in Geneve's VNI.
    public var networkID: UInt32
    public var enableDnsSupport: Bool
    public var enableDnsHostnames: Bool
    public var enableNetworkAddressUsageMetrics: Bool
    public var id: String { vpc.vpcId ?? "" }

    public init(vpc: EC2.Vpc, networkID: UInt32, enableDnsSupport: Bool, enableDnsHostnames: Bool) {
        self.vpc = vpc
        self.networkID = networkID
        self.enableDnsSupport = enableDnsSupport
        self.enableDnsHostnames = enableDnsHostnames
        self.enableNetworkAddressUsageMetrics = false
    }
}

/// A security group; its rules are kept one per `sgr-` id, the form
/// DescribeSecurityGroupRules shows, and grouped for DescribeSecurityGroups.
public struct SecurityGroupRecord: Sendable, Codable, Equatable {
    public var groupId: String
    public var groupName: String
    public var description: String
    public var vpcId: String
    public var ownerId: String
    public var tags: [EC2.Tag]
    public var rules: [EC2.SecurityGroupRule]
    public var isDefault: Bool

    public init(groupId: String, groupName: String, description: String, vpcId: String, ownerId: String,
                tags: [EC2.Tag], rules: [EC2.SecurityGroupRule], isDefault: Bool) {
        self.groupId = groupId
        self.groupName = groupName
        self.description = description
        self.vpcId = vpcId
        self.ownerId = ownerId
        self.tags = tags
        self.rules = rules
        self.isDefault = isDefault
    }
}

/// A managed prefix list with every version's entries (GetManagedPrefixListEntries
/// can ask for an earlier one).
public struct PrefixListRecord: Sendable, Codable, Equatable {
    public var list: EC2.ManagedPrefixList
    public var entries: [EC2.PrefixListEntry]
    public var history: [Int: [EC2.PrefixListEntry]]

    public init(list: EC2.ManagedPrefixList, entries: [EC2.PrefixListEntry]) {
        self.list = list
        self.entries = entries
        self.history = [list.version ?? 1: entries]
    }
}

/// A ClientToken already used in this account and region: what was asked and what was answered.
public struct ClientTokenRecord: Sendable, Codable, Equatable {
    public var action: String
    public var parameters: String
    public var response: [UInt8]

    public init(action: String, parameters: String, response: [UInt8]) {
        self.action = action
        self.parameters = parameters
        self.response = response
    }
}

/// Per-region bookkeeping.
public struct RegionMeta: Sendable, Codable, Equatable {
    public var defaultVpcId: String?
    public var createdAt: Double

    public init(defaultVpcId: String?, createdAt: Double) {
        self.defaultVpcId = defaultVpcId
        self.createdAt = createdAt
    }
}

/// A CloudWatch Logs log group, created by CreateFlowLogs when it names one that does not
/// exist yet; kept when its flow logs are deleted, as CloudWatch Logs keeps it.
public struct LogGroupRecord: Sendable, Codable, Equatable {
    public var name: String
    /// Milliseconds since 1970, as CloudWatch Logs reports it.
    public var creationTime: Int64

    public init(name: String, creationTime: Int64) {
        self.name = name
        self.creationTime = creationTime
    }
}
