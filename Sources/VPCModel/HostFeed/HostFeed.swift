/// The mapping service's wire types (docs/agent-protocol.md): what the control plane tells
/// a host agent about the instances placed on it and the VPCs they are in, and what the
/// agent reports back. JSON over HTTP; every address is in its textual form.

/// `POST /_vpc/agent/register`: a host announces itself (idempotent per `hostId`).
public struct HostRegistration: Codable, Sendable, Equatable {
    public var hostId: String
    /// IPv4 address the agent's Geneve socket is bound to.
    public var underlay: String
    /// UDP port of that socket (Geneve: 6081).
    public var underlayPort: UInt16
    /// Network interfaces the host's data plane holds at once (its ports). Absent in
    /// registrations from agents that did not report it: `defaultInterfaceCapacity`.
    public var interfaceCapacity: Int?

    public init(hostId: String, underlay: String, underlayPort: UInt16 = 6081, interfaceCapacity: Int? = nil) {
        self.hostId = hostId; self.underlay = underlay; self.underlayPort = underlayPort
        self.interfaceCapacity = interfaceCapacity
    }

    /// The agent's port count before it was reported.
    public static let defaultInterfaceCapacity = 64
    /// Most interfaces a host may report.
    public static let interfaceCapacityRange = 1...4096

    /// Network interfaces the control plane may place on the host.
    public var capacity: Int { interfaceCapacity ?? Self.defaultInterfaceCapacity }

    /// A host id is 1 to 128 of `A-Z a-z 0-9 . _ -` (so it never holds the `#` that
    /// separates a host token's generation, nor anything a path or log line would mangle).
    public static func isValidHostId(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F || c == 0x2D
        }
    }
}

/// `GET /_vpc/agent/feed?host=ID&since=V[&wait=SECONDS]`: the changes for one host after
/// version `since`. Long-polls up to `wait` seconds when there is nothing newer.
public struct HostFeedUpdate: Codable, Sendable, Equatable {
    /// The feed version this update brings the agent to; pass it as the next `since`.
    public var version: UInt64
    /// True when this update replaces everything the agent holds (first request, or
    /// `since` older than what the control plane keeps): drop what is not listed.
    public var full: Bool
    /// Instances to create or update (upserts by `instanceId`).
    public var instances: [InstanceSpec]
    /// Instances to tear down (terminated, or moved away).
    public var removedInstances: [String]
    /// VPCs to install or replace whole (upserts by `vpcId`).
    public var networks: [NetworkSpec]
    /// VPCs with no instance on this host any more.
    public var removedNetworks: [String]

    public init(version: UInt64, full: Bool, instances: [InstanceSpec] = [], removedInstances: [String] = [],
                networks: [NetworkSpec] = [], removedNetworks: [String] = []) {
        self.version = version; self.full = full; self.instances = instances
        self.removedInstances = removedInstances; self.networks = networks; self.removedNetworks = removedNetworks
    }
}

/// An instance placed on the host, as its agent runs it.
public struct InstanceSpec: Codable, Sendable, Equatable {
    public var instanceId: String
    public var accountId: String
    public var region: String
    /// What the control plane wants: `running` or `stopped`.
    public var desiredState: String
    /// Bumped by RebootInstances: a new value means restart the user-data process.
    public var bootCount: UInt32
    /// User data, base64 as RunInstances received it; run with `sh` inside the namespace.
    public var userData: String?
    public var interfaces: [InterfaceSpec]

    public init(instanceId: String, accountId: String, region: String, desiredState: String, bootCount: UInt32,
                userData: String?, interfaces: [InterfaceSpec]) {
        self.instanceId = instanceId; self.accountId = accountId; self.region = region
        self.desiredState = desiredState; self.bootCount = bootCount; self.userData = userData
        self.interfaces = interfaces
    }
}

/// One ENI of a local instance.
public struct InterfaceSpec: Codable, Sendable, Equatable {
    public var networkInterfaceId: String
    /// 0 is `eth0`.
    public var deviceIndex: Int
    /// `02:xx:xx:xx:xx:xx`.
    public var macAddress: String
    public var vpcId: String
    public var subnetId: String
    /// Primary first.
    public var privateIpAddresses: [String]
    public var ipv6Addresses: [String]
    public var securityGroupIds: [String]
    public var sourceDestCheck: Bool
    /// The flow logs covering this ENI (its own, its subnet's, its VPC's); nil or empty: none.
    public var flowLogs: [FlowLogSpec]?
    /// Idle timeouts (seconds) of its tracked connections, when set (ConnectionTrackingSpecification);
    /// nil: AWS's defaults.
    public var tcpEstablishedTimeout: Int?
    public var udpStreamTimeout: Int?
    public var udpTimeout: Int?

    public init(networkInterfaceId: String, deviceIndex: Int, macAddress: String, vpcId: String, subnetId: String,
                privateIpAddresses: [String], ipv6Addresses: [String], securityGroupIds: [String], sourceDestCheck: Bool,
                flowLogs: [FlowLogSpec]? = nil, tcpEstablishedTimeout: Int? = nil, udpStreamTimeout: Int? = nil,
                udpTimeout: Int? = nil) {
        self.networkInterfaceId = networkInterfaceId; self.deviceIndex = deviceIndex; self.macAddress = macAddress
        self.vpcId = vpcId; self.subnetId = subnetId; self.privateIpAddresses = privateIpAddresses
        self.ipv6Addresses = ipv6Addresses; self.securityGroupIds = securityGroupIds; self.sourceDestCheck = sourceDestCheck
        self.flowLogs = flowLogs
        self.tcpEstablishedTimeout = tcpEstablishedTimeout; self.udpStreamTimeout = udpStreamTimeout; self.udpTimeout = udpTimeout
    }
}

/// Everything about one VPC that an agent with an ENI in it needs: addressing, DNS and
/// DHCP settings, the policy objects its local ENIs use, and where every address lives.
public struct NetworkSpec: Codable, Sendable, Equatable {
    public var vpcId: String
    public var accountId: String
    public var region: String
    /// Geneve VNI.
    public var vni: UInt32
    public var cidrBlocks: [String]
    public var ipv6CidrBlocks: [String]
    public var enableDnsSupport: Bool
    public var enableDnsHostnames: Bool
    /// DHCP option `domain-name` (AWS default: `ec2.internal` in us-east-1, else `<region>.compute.internal`).
    public var domainName: String
    public var subnets: [SubnetSpec]
    public var securityGroups: [SecurityGroupSpec]
    public var networkAcls: [NetworkAclSpec]
    public var routeTables: [RouteTableSpec]
    /// Every address in the VPC that belongs to an ENI placed on a host.
    public var endpoints: [EndpointSpec]
    /// DHCP options `domain-name-servers` (addresses, or `AmazonProvidedDNS` for the VPC's
    /// resolver at base+2) and `ntp-servers`; nil in a document from before they were sent:
    /// the resolver, and no NTP servers.
    public var domainNameServers: [String]?
    public var ntpServers: [String]?

    /// The DNS servers an instance is given: the option set's, `AmazonProvidedDNS` standing
    /// for `resolver` (the VPC's base+2).
    public func dnsServers(resolver: String) -> [String] {
        (domainNameServers ?? ["AmazonProvidedDNS"]).map { $0 == "AmazonProvidedDNS" ? resolver : $0 }
    }

    public init(vpcId: String, accountId: String, region: String, vni: UInt32, cidrBlocks: [String],
                ipv6CidrBlocks: [String], enableDnsSupport: Bool, enableDnsHostnames: Bool, domainName: String,
                subnets: [SubnetSpec], securityGroups: [SecurityGroupSpec], networkAcls: [NetworkAclSpec],
                routeTables: [RouteTableSpec], endpoints: [EndpointSpec], domainNameServers: [String]? = nil,
                ntpServers: [String]? = nil) {
        self.vpcId = vpcId; self.accountId = accountId; self.region = region; self.vni = vni
        self.cidrBlocks = cidrBlocks; self.ipv6CidrBlocks = ipv6CidrBlocks
        self.enableDnsSupport = enableDnsSupport; self.enableDnsHostnames = enableDnsHostnames
        self.domainName = domainName; self.subnets = subnets; self.securityGroups = securityGroups
        self.networkAcls = networkAcls; self.routeTables = routeTables; self.endpoints = endpoints
        self.domainNameServers = domainNameServers; self.ntpServers = ntpServers
    }
}

public struct SubnetSpec: Codable, Sendable, Equatable {
    public var subnetId: String
    public var cidrBlock: String
    public var ipv6CidrBlock: String?
    public var networkAclId: String
    /// The explicitly associated route table, else the VPC's main one.
    public var routeTableId: String

    public init(subnetId: String, cidrBlock: String, ipv6CidrBlock: String?, networkAclId: String, routeTableId: String) {
        self.subnetId = subnetId; self.cidrBlock = cidrBlock; self.ipv6CidrBlock = ipv6CidrBlock
        self.networkAclId = networkAclId; self.routeTableId = routeTableId
    }
}

/// A security group with its rules resolved to address blocks.
public struct SecurityGroupSpec: Codable, Sendable, Equatable {
    public var groupId: String
    public var ingress: [SecurityGroupRuleSpec]
    public var egress: [SecurityGroupRuleSpec]

    public init(groupId: String, ingress: [SecurityGroupRuleSpec], egress: [SecurityGroupRuleSpec]) {
        self.groupId = groupId; self.ingress = ingress; self.egress = egress
    }
}

/// One rule: EC2's protocol/from/to (-1 = all) and the peer's blocks. A referenced group
/// is resolved to its members' addresses (/32, /128) and a prefix list to its entries.
public struct SecurityGroupRuleSpec: Codable, Sendable, Equatable {
    public var ipProtocol: Int16
    public var fromPort: Int32
    public var toPort: Int32
    public var cidrs: [String]
    /// Set when the peer is a group (for flow logs and debugging; `cidrs` is authoritative).
    public var referencedGroupId: String?
    public var prefixListId: String?

    public init(ipProtocol: Int16, fromPort: Int32, toPort: Int32, cidrs: [String],
                referencedGroupId: String? = nil, prefixListId: String? = nil) {
        self.ipProtocol = ipProtocol; self.fromPort = fromPort; self.toPort = toPort; self.cidrs = cidrs
        self.referencedGroupId = referencedGroupId; self.prefixListId = prefixListId
    }
}

public struct NetworkAclSpec: Codable, Sendable, Equatable {
    public var networkAclId: String
    /// Every entry, the default `*` (32767) deny entries included.
    public var entries: [NetworkAclEntrySpec]

    public init(networkAclId: String, entries: [NetworkAclEntrySpec]) {
        self.networkAclId = networkAclId; self.entries = entries
    }
}

public struct NetworkAclEntrySpec: Codable, Sendable, Equatable {
    public var ruleNumber: Int
    public var egress: Bool
    public var allow: Bool
    public var ipProtocol: Int16
    /// IPv4 or IPv6 block.
    public var cidr: String
    public var fromPort: Int32
    public var toPort: Int32

    public init(ruleNumber: Int, egress: Bool, allow: Bool, ipProtocol: Int16, cidr: String, fromPort: Int32, toPort: Int32) {
        self.ruleNumber = ruleNumber; self.egress = egress; self.allow = allow; self.ipProtocol = ipProtocol
        self.cidr = cidr; self.fromPort = fromPort; self.toPort = toPort
    }
}

public struct RouteTableSpec: Codable, Sendable, Equatable {
    public var routeTableId: String
    public var routes: [RouteSpec]

    public init(routeTableId: String, routes: [RouteSpec]) { self.routeTableId = routeTableId; self.routes = routes }
}

public struct RouteSpec: Codable, Sendable, Equatable {
    public var destination: String
    /// `local`, `blackhole` (target deleted), or the target's id (`igw-…`, `eni-…`, `pcx-…`, …).
    public var target: String

    public init(destination: String, target: String) { self.destination = destination; self.target = target }
}

/// Where one VPC address lives: the mapping entry.
public struct EndpointSpec: Codable, Sendable, Equatable {
    public var address: String
    public var networkInterfaceId: String
    public var macAddress: String
    public var hostId: String
    /// The host's underlay IPv4 address and port.
    public var underlay: String
    public var underlayPort: UInt16
    public var instanceId: String?
    /// The ENI's source/destination check; nil (left out) when on, as in documents from
    /// before it was sent. Off, the ENI may forward traffic it is neither source nor
    /// destination of.
    public var sourceDestCheck: Bool?

    public init(address: String, networkInterfaceId: String, macAddress: String, hostId: String, underlay: String,
                underlayPort: UInt16, instanceId: String?, sourceDestCheck: Bool = true) {
        self.address = address; self.networkInterfaceId = networkInterfaceId; self.macAddress = macAddress
        self.hostId = hostId; self.underlay = underlay; self.underlayPort = underlayPort; self.instanceId = instanceId
        self.sourceDestCheck = sourceDestCheck ? nil : false
    }
}

/// `POST /_vpc/agent/status`: what the agent has applied and how its instances are.
/// Also the acknowledgement the control plane times enforcement with.
public struct HostStatus: Codable, Sendable, Equatable {
    public var hostId: String
    /// Highest feed version fully installed in the data plane.
    public var appliedVersion: UInt64
    public var instances: [InstanceStatus]

    public init(hostId: String, appliedVersion: UInt64, instances: [InstanceStatus]) {
        self.hostId = hostId; self.appliedVersion = appliedVersion; self.instances = instances
    }
}

public struct InstanceStatus: Codable, Sendable, Equatable {
    public var instanceId: String
    /// `running` (namespace up, user data started), `stopped` (torn down, kept), or
    /// `terminated` (gone from this host).
    public var state: String
    /// Console output so far (user data's stdout and stderr), at most 64 KiB, newest kept.
    public var consoleOutput: String?

    public init(instanceId: String, state: String, consoleOutput: String?) {
        self.instanceId = instanceId; self.state = state; self.consoleOutput = consoleOutput
    }
}
