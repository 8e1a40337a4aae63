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

/// An instance: what RunInstances was asked and what has happened to it since. Its network
/// interfaces are the ENIs attached to it (`networkInterfaces` table); Describe joins them in.
public struct InstanceRecord: Sendable, Codable, Equatable {
    public var instanceId: String
    public var reservationId: String
    public var imageId: String
    public var instanceType: String
    /// `pending`, `running`, `shutting-down`, `terminated`, `stopping` or `stopped`.
    public var state: String
    public var stateTransitionReason: String
    public var stateReason: EC2.StateReason?
    public var launchTime: EC2Timestamp
    public var amiLaunchIndex: Int
    public var availabilityZone: String
    public var availabilityZoneId: String?
    public var vpcId: String
    public var subnetId: String
    /// The host the instance is placed on; kept across stop and start.
    public var hostId: String
    /// Base64, as RunInstances received it.
    public var userData: String?
    /// Bumped by RebootInstances; the agent restarts the instance when it changes.
    public var bootCount: UInt32
    public var clientToken: String?
    public var tags: [EC2.Tag]
    public var monitoring: String
    public var ebsOptimized: Bool
    public var disableApiTermination: Bool
    public var disableApiStop: Bool
    public var instanceInitiatedShutdownBehavior: String
    /// The instance metadata service settings asked for at launch (nil: EC2's defaults).
    public var metadataOptions: EC2.InstanceMetadataOptionsResponse?
    /// What the host agent last reported on the console, and when.
    public var consoleOutput: String?
    public var consoleTimestamp: EC2Timestamp?
    /// When the instance reached `terminated`; it disappears an hour later.
    public var terminatedAt: Double?

    public init(instanceId: String, reservationId: String, imageId: String, instanceType: String, launchTime: EC2Timestamp,
                amiLaunchIndex: Int, availabilityZone: String, availabilityZoneId: String?, vpcId: String,
                subnetId: String, hostId: String, userData: String?, clientToken: String?, tags: [EC2.Tag]) {
        self.instanceId = instanceId; self.reservationId = reservationId; self.imageId = imageId
        self.instanceType = instanceType; self.state = "pending"; self.stateTransitionReason = ""
        self.launchTime = launchTime; self.amiLaunchIndex = amiLaunchIndex
        self.availabilityZone = availabilityZone; self.availabilityZoneId = availabilityZoneId
        self.vpcId = vpcId; self.subnetId = subnetId; self.hostId = hostId; self.userData = userData
        self.bootCount = 0; self.clientToken = clientToken; self.tags = tags; self.monitoring = "disabled"
        self.ebsOptimized = false; self.disableApiTermination = false; self.disableApiStop = false
        self.instanceInitiatedShutdownBehavior = "stop"
    }

    /// EC2's state codes (the low byte of `InstanceState.Code`).
    public static let stateCodes = ["pending": 0, "running": 16, "shutting-down": 32, "terminated": 48,
                                    "stopping": 64, "stopped": 80]

    public var stateCode: Int { Self.stateCodes[state] ?? 0 }
    public var instanceState: EC2.InstanceState { EC2.InstanceState(code: stateCode, name: state) }
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
