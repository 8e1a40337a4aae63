public import EC2Shapes
public import VPCModel

/// Invariants the store must hold whatever happened (crash, kill -9): every
/// reference points at an existing resource and no address is held twice.
public enum ConsistencyCheck {
    /// Human-readable problems; empty when consistent.
    public static func problems(in regions: [RegionState]) -> [String] {
        var problems: [String] = []
        var publicIPs: [String: String] = [:]
        for s in regions {
            let scope = "\(s.account)/\(s.region)"
            func needVpc(_ id: String?, _ who: String) {
                guard let id, s.vpcs[id] != nil else {
                    problems.append("\(scope): \(who) refers to missing VPC \(id ?? "nil")"); return
                }
            }
            for subnet in s.subnets.values { needVpc(subnet.vpcId, "subnet \(subnet.subnetId ?? "?")") }
            for g in s.securityGroups.values { needVpc(g.vpcId, "security group \(g.groupId)") }
            for t in s.routeTables.values {
                needVpc(t.vpcId, "route table \(t.routeTableId ?? "?")")
                for a in t.associations ?? [] where a.subnetId != nil && s.subnets[a.subnetId!] == nil {
                    problems.append("\(scope): route table \(t.routeTableId ?? "?") associated with missing subnet \(a.subnetId!)")
                }
            }
            for a in s.networkAcls.values { needVpc(a.vpcId, "network ACL \(a.networkAclId ?? "?")") }
            var held: Set<String> = []
            for eni in s.networkInterfaces.values {
                let id = eni.networkInterfaceId ?? "?"
                needVpc(eni.vpcId, "network interface \(id)")
                if let subnet = eni.subnetId, s.subnets[subnet] == nil {
                    problems.append("\(scope): network interface \(id) in missing subnet \(subnet)")
                }
                for ip in eni.privateIpAddresses ?? [] {
                    let key = (eni.vpcId ?? "") + "|" + (ip.privateIpAddress ?? "")
                    if !held.insert(key).inserted {
                        problems.append("\(scope): private address \(ip.privateIpAddress ?? "?") held twice in \(eni.vpcId ?? "?")")
                    }
                }
            }
            for eni in s.networkInterfaces.values {
                if let instanceId = eni.attachment?.instanceId,
                   s.instances[instanceId] == nil || s.instances[instanceId]?.state == "terminated" {
                    problems.append("\(scope): network interface \(eni.networkInterfaceId ?? "?") attached to missing or terminated instance \(instanceId)")
                }
            }
            for instance in s.instances.values where instance.state != "terminated" {
                needVpc(instance.vpcId, "instance \(instance.instanceId)")
                if !s.networkInterfaces.values.contains(where: {
                    $0.attachment?.instanceId == instance.instanceId && $0.attachment?.deviceIndex == 0
                }) {
                    problems.append("\(scope): instance \(instance.instanceId) has no interface at device index 0")
                }
            }
            for vpc in s.vpcs.values where vpc.vpc.dhcpOptionsId != nil && s.dhcpOptions[vpc.vpc.dhcpOptionsId!] == nil {
                problems.append("\(scope): VPC \(vpc.id) uses missing DHCP options \(vpc.vpc.dhcpOptionsId!)")
            }
            // Public IPs given at launch (no allocation) count too.
            for eni in s.networkInterfaces.values where eni.association?.allocationId == nil {
                if let ip = eni.association?.publicIp {
                    if let other = publicIPs[ip] {
                        problems.append("public address \(ip) allocated twice (\(other), \(scope))")
                    }
                    publicIPs[ip] = scope
                }
            }
            for f in s.flowLogs.values {
                let id = f.flowLogId ?? "?"
                let resource = f.resourceId ?? ""
                if s.vpcs[resource] == nil && s.subnets[resource] == nil && s.networkInterfaces[resource] == nil {
                    problems.append("\(scope): flow log \(id) logs missing resource \(resource)")
                }
                if let group = f.logGroupName, s.logGroups[group] == nil {
                    problems.append("\(scope): flow log \(id) delivers to missing log group \(group)")
                }
            }
            for address in s.addresses.values {
                if let ip = address.publicIp {
                    if let other = publicIPs[ip] {
                        problems.append("public address \(ip) allocated twice (\(other), \(scope))")
                    }
                    publicIPs[ip] = scope
                }
            }
        }
        return problems
    }
}
