import EC2Shapes
import Testing
import VPCControlPlane
import VPCModel
import VPCStore

@Suite struct FlowLogOperationTests {
    static let role = "arn:aws:iam::111111111111:role/flow-logs"

    static func toGroup(_ type: String, _ ids: [String], group: String = "flows", traffic: String? = "ALL",
                        _ configure: (inout EC2.CreateFlowLogsRequest) -> Void = { _ in }) -> EC2.CreateFlowLogsRequest {
        var r = EC2.CreateFlowLogsRequest(deliverLogsPermissionArn: role, logGroupName: group, resourceIds: ids,
                                          resourceType: type, trafficType: traffic)
        configure(&r)
        return r
    }

    func create(_ f: Fixture, _ r: EC2.CreateFlowLogsRequest, account: String = Fixture.accountA) throws -> EC2.CreateFlowLogsResult {
        try f.write(account) { try $0.createFlowLogs(r) }
    }

    @Test func createsOnePerResourceAndReportsUnknownOnes() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let result = try create(f, Self.toGroup("VPC", [vpc, "vpc-0123456789abcdef0"]) {
            $0.tagSpecifications = [.init(resourceType: "vpc-flow-log", tags: [.init(key: "team", value: "net")])]
            $0.maxAggregationInterval = 60
        })
        #expect(result.flowLogIds?.count == 1)
        #expect(result.unsuccessful == [EC2.UnsuccessfulItem(
            error: .init(code: "InvalidVpcID.NotFound", message: "The vpc ID 'vpc-0123456789abcdef0' does not exist"),
            resourceId: "vpc-0123456789abcdef0")])
        let id = try #require(result.flowLogIds?.first)
        #expect(id.hasPrefix("fl-") && ResourceID.number(of: id, prefix: "fl") != nil)
        let shown = try #require(try f.read { try $0.describeFlowLogs(.init()) }.flowLogs?.first)
        #expect(shown.resourceId == vpc && shown.trafficType == "ALL" && shown.logDestinationType == "cloud-watch-logs")
        #expect(shown.logGroupName == "flows")
        #expect(shown.logDestination == "arn:aws:logs:us-east-1:111111111111:log-group:flows")
        #expect(shown.deliverLogsPermissionArn == Self.role && shown.deliverLogsStatus == "SUCCESS")
        #expect(shown.flowLogStatus == "ACTIVE" && shown.maxAggregationInterval == 60)
        #expect(shown.logFormat == FlowLogFormat.default.text)
        #expect(shown.tags == [.init(key: "team", value: "net")])
        // The log group now exists (CloudWatch Logs keeps it after the flow log goes).
        #expect(try f.read { $0.logGroups["flows"] } != nil)

        let unknownSubnet = try create(f, Self.toGroup("Subnet", ["subnet-0123456789abcdef0", subnet]))
        #expect(unknownSubnet.unsuccessful?.first?.error?.code == "InvalidSubnetID.NotFound")
        #expect(unknownSubnet.flowLogIds?.count == 1)
        let unknownEni = try create(f, Self.toGroup("NetworkInterface", ["eni-0123456789abcdef0"]))
        #expect(unknownEni.unsuccessful?.first?.error?.code == "InvalidNetworkInterfaceID.NotFound")
        #expect(unknownEni.flowLogIds == [])
    }

    @Test func sameResourceTrafficTypeAndDestinationIsAlreadyExists() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        _ = try create(f, Self.toGroup("VPC", [vpc]))
        let again = try create(f, Self.toGroup("VPC", [vpc]))
        #expect(again.flowLogIds == [])
        #expect(again.unsuccessful?.first?.error?.code == "FlowLogAlreadyExists")
        #expect(again.unsuccessful?.first?.error?.message == "Error. There is an existing Flow Log with the same configuration and log destination.")
        // Another traffic type or another destination is a new flow log.
        #expect(try create(f, Self.toGroup("VPC", [vpc], traffic: "REJECT")).flowLogIds?.count == 1)
        #expect(try create(f, Self.toGroup("VPC", [vpc], group: "other")).flowLogIds?.count == 1)
        #expect(try create(f, Self.toGroup("VPC", [vpc]) {
            $0.logGroupName = nil
            $0.logDestination = "arn:aws:logs:us-east-1:111111111111:log-group:flows:*"
        }).unsuccessful?.first?.error?.code == "FlowLogAlreadyExists")
    }

    @Test func s3DestinationAndItsRules() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        func s3(_ arn: String?, _ configure: (inout EC2.CreateFlowLogsRequest) -> Void = { _ in }) -> EC2.CreateFlowLogsRequest {
            var r = EC2.CreateFlowLogsRequest(resourceIds: [vpc], resourceType: "VPC", trafficType: "REJECT",
                                              logDestinationType: "s3", logDestination: arn)
            configure(&r)
            return r
        }
        let made = try create(f, s3("arn:aws:s3:::flow-bucket/team/a/", { $0.logFormat = "${srcaddr} ${action}" }))
        let flowLog = try #require(try f.read { $0.flowLogs[made.flowLogIds![0]] })
        #expect(flowLog.logDestination == "arn:aws:s3:::flow-bucket/team/a")
        #expect(flowLog.logGroupName == nil)
        #expect(flowLog.destinationOptions?.fileFormat == "plain-text")
        #expect(FlowLogDestination(flowLog) == .s3(bucket: "flow-bucket", prefix: "team/a"))
        // A flow log stored before the length limits keeps its destination (its delivery fails per window instead).
        var legacy = flowLog
        legacy.logDestination = "arn:aws:s3:::flow-bucket/" + String(repeating: "z", count: 300)
        #expect(FlowLogDestination(legacy) == .s3(bucket: "flow-bucket", prefix: String(repeating: "z", count: 300)))
        for bad in ["arn:aws:s3:::Bad_Bucket", "arn:aws:s3:::ab", "arn:aws:s3:::bucket/AWSLogs/x", "arn:aws:s3:::b..b",
                    "arn:aws:s3:::bucket//x", "s3://bucket", "arn:aws:logs:us-east-1:111111111111:log-group:g",
                    // A folder name a directory can't have, a prefix an S3 key can't hold.
                    "arn:aws:s3:::bucket/" + String(repeating: "x", count: 256),
                    "arn:aws:s3:::bucket/" + Array(repeating: String(repeating: "x", count: 200), count: 4).joined(separator: "/")] {
            #expect(errorCode { _ = try create(f, s3(bad)) } == "InvalidParameter", "\(bad)")
        }
        #expect(try create(f, s3("arn:aws:s3:::flow-bucket/" + String(repeating: "y", count: 255))).flowLogIds?.count == 1)
        #expect(errorCode { _ = try create(f, s3(nil)) } == "InvalidParameter")
        #expect(errorCode { _ = try create(f, s3("arn:aws:s3:::bucket") { $0.logGroupName = "g" }) } == "InvalidParameter")
        #expect(errorCode { _ = try create(f, s3("arn:aws:s3:::bucket") { $0.deliverLogsPermissionArn = Self.role }) } == "InvalidParameter")
        #expect(errorCode { _ = try create(f, s3("arn:aws:s3:::bucket") { $0.destinationOptions = .init(fileFormat: "parquet") }) } == "InvalidParameter")
        #expect(errorCode { _ = try create(f, s3("arn:aws:s3:::bucket") { $0.logDestinationType = "kinesis-data-firehose" }) } == "InvalidParameterValue")
    }

    @Test func invalidRequestsChangeNothing() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let cases: [(String, (inout EC2.CreateFlowLogsRequest) -> Void)] = [
            ("InvalidParameter", { $0.maxAggregationInterval = 120 }),
            ("InvalidParameter", { $0.logFormat = "${srcaddr} ${bogus}" }),
            ("InvalidParameter", { $0.logFormat = "srcaddr dstaddr" }),
            ("InvalidParameter", { $0.deliverLogsPermissionArn = nil }),
            ("InvalidParameter", { $0.deliverLogsPermissionArn = "not-an-arn" }),
            ("InvalidParameter", { $0.deliverLogsPermissionArn = "arn:aws:iam::12345:role/x" }),
            ("InvalidParameter", { $0.logGroupName = nil }),
            ("InvalidParameter", { $0.logDestination = "arn:aws:logs:us-east-1:111111111111:log-group:flows" }),
            ("InvalidParameter", { $0.logGroupName = nil; $0.logDestination = "arn:aws:logs:us-east-1:222222222222:log-group:x" }),
            ("InvalidParameter", { $0.logGroupName = "bad name" }),
            ("InvalidParameter", { $0.destinationOptions = .init(fileFormat: "plain-text") }),
            ("InvalidParameter", { $0.deliverCrossAccountRole = Self.role }),
            ("MissingParameter", { $0.trafficType = nil }),
            ("MissingParameter", { $0.resourceIds = [] }),
            ("InvalidParameterValue", { $0.resourceType = "TransitGateway" }),
            ("InvalidParameterValue", { $0.tagSpecifications = [.init(resourceType: "vpc", tags: [.init(key: "a", value: "b")])] }),
        ]
        for (code, configure) in cases {
            #expect(errorCode { _ = try create(f, Self.toGroup("VPC", [vpc], configure)) } == code)
        }
        #expect(try f.read { ($0.flowLogs.rows.count, $0.logGroups.rows.count) } == (0, 0))
    }

    @Test func describeFiltersAndPages() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let a = try create(f, Self.toGroup("VPC", [vpc], traffic: "ACCEPT")).flowLogIds![0]
        let b = try create(f, Self.toGroup("Subnet", [subnet], group: "g2", traffic: "REJECT") {
            $0.tagSpecifications = [.init(resourceType: "vpc-flow-log", tags: [.init(key: "env", value: "prod")])]
        }).flowLogIds![0]
        let c = try create(f, EC2.CreateFlowLogsRequest(resourceIds: [vpc], resourceType: "VPC", trafficType: "ALL",
                                                         logDestinationType: "s3", logDestination: "arn:aws:s3:::bkt")).flowLogIds![0]
        func ids(_ filters: [EC2.Filter] = [], _ wanted: [String]? = nil) throws -> Set<String> {
            Set(try f.read { try $0.describeFlowLogs(.init(filter: filters, flowLogIds: wanted)) }.flowLogs!.compactMap(\.flowLogId))
        }
        #expect(try ids() == [a, b, c])
        #expect(try ids([.init(name: "resource-id", values: [subnet])]) == [b])
        #expect(try ids([.init(name: "traffic-type", values: ["ACCEPT", "ALL"])]) == [a, c])
        #expect(try ids([.init(name: "log-group-name", values: ["g2"])]) == [b])
        #expect(try ids([.init(name: "log-destination-type", values: ["s3"])]) == [c])
        #expect(try ids([.init(name: "flow-log-id", values: [a])]) == [a])
        #expect(try ids([.init(name: "deliver-log-status", values: ["SUCCESS"])]) == [a, b, c])
        #expect(try ids([.init(name: "tag:env", values: ["prod"])]) == [b])
        #expect(try ids([], [b, "fl-0123456789abcdef0"]) == [b])
        #expect(errorCode { _ = try ids([.init(name: "vpc-id", values: [vpc])]) } == "InvalidParameterValue")
        let page1 = try f.read { try $0.describeFlowLogs(.init(maxResults: 2)) }
        #expect(page1.flowLogs?.count == 2 && page1.nextToken != nil)
        let page2 = try f.read { try $0.describeFlowLogs(.init(maxResults: 2, nextToken: page1.nextToken)) }
        #expect(page2.flowLogs?.count == 1 && page2.nextToken == nil)
        // Tags through CreateTags / DescribeTags work on flow logs too.
        try f.write { try $0.createTags(.init(resources: [a], tags: [.init(key: "k", value: "v")])) }
        #expect(try ids([.init(name: "tag:k", values: ["v"])]) == [a])
    }

    @Test func deleteReportsUnknownIdsAndOtherAccountsSeeNothing() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let id = try create(f, Self.toGroup("VPC", [vpc])).flowLogIds![0]
        // Account B neither sees nor deletes A's flow log, nor can it log A's VPC.
        #expect(try f.read(Fixture.accountB) { try $0.describeFlowLogs(.init()) }.flowLogs == [])
        let foreign = try f.write(Fixture.accountB) { try $0.deleteFlowLogs(.init(flowLogIds: [id])) }
        #expect(foreign.unsuccessful?.first?.error?.code == "InvalidFlowLogId.NotFound")
        #expect(try create(f, Self.toGroup("VPC", [vpc]), account: Fixture.accountB).unsuccessful?.first?.error?.code
                == "InvalidVpcID.NotFound")
        let result = try f.write { try $0.deleteFlowLogs(.init(flowLogIds: [id, "fl-0123456789abcdef0"])) }
        #expect(result.unsuccessful == [EC2.UnsuccessfulItem(
            error: .init(code: "InvalidFlowLogId.NotFound",
                         message: "These flow log ids in the input list are not found: [TotalCount: 1] fl-0123456789abcdef0"),
            resourceId: "fl-0123456789abcdef0")])
        #expect(try f.read { $0.flowLogs.rows.isEmpty && $0.logGroups["flows"] != nil })
    }

    @Test func deletingTheResourceDeletesItsFlowLogs() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let eni = try f.eni(subnet).networkInterfaceId!
        let onVpc = try create(f, Self.toGroup("VPC", [vpc])).flowLogIds![0]
        _ = try create(f, Self.toGroup("Subnet", [subnet]))
        _ = try create(f, Self.toGroup("NetworkInterface", [eni]))
        try f.write { try $0.deleteNetworkInterface(.init(networkInterfaceId: eni)) }
        try f.write { try $0.deleteSubnet(.init(subnetId: subnet)) }
        #expect(try f.read { Array($0.flowLogs.rows.keys) } == [onVpc])
        #expect(ConsistencyCheck.problems(in: f.cp.snapshot()) == [])
        try f.write { try $0.deleteVpc(.init(vpcId: vpc)) }
        #expect(try f.read { $0.flowLogs.rows.isEmpty })
    }

    @Test func specsOfAnENICoverItsVPCSubnetAndItself() throws {
        let f = try Fixture()
        let vpc = try f.vpc()
        let subnet = try f.subnet(vpc, "10.0.1.0/24")
        let other = try f.subnet(vpc, "10.0.2.0/24")
        let eni = try f.eni(subnet).networkInterfaceId!
        let byVpc = try create(f, Self.toGroup("VPC", [vpc]) { $0.maxAggregationInterval = 60 }).flowLogIds![0]
        let bySubnet = try create(f, Self.toGroup("Subnet", [subnet], traffic: "REJECT") { $0.logFormat = "${srcaddr}" }).flowLogIds![0]
        _ = try create(f, Self.toGroup("Subnet", [other]))
        let byEni = try create(f, Self.toGroup("NetworkInterface", [eni], traffic: "ACCEPT")).flowLogIds![0]
        let specs = try f.read { $0.flowLogSpecs(networkInterfaceId: eni, intervalOverride: nil) }
        #expect(Set(specs.map(\.flowLogId)) == [byVpc, bySubnet, byEni])
        #expect(specs.first { $0.flowLogId == byVpc }?.aggregationInterval == 60)
        #expect(specs.first { $0.flowLogId == byEni }?.aggregationInterval == 600)
        #expect(specs.first { $0.flowLogId == bySubnet } == FlowLogSpec(flowLogId: bySubnet, trafficType: "REJECT",
                                                                         logFormat: "${srcaddr}", aggregationInterval: 600))
        #expect(try f.read { $0.flowLogSpecs(networkInterfaceId: eni, intervalOverride: 2) }.allSatisfy { $0.aggregationInterval == 2 })
        let context = try f.read { $0.flowLogContext(networkInterfaceId: eni, catalog: .standard) }
        #expect(context == FlowLogContext(accountId: Fixture.accountA, interfaceId: eni, vpcId: vpc, subnetId: subnet,
                                          instanceId: nil, region: "us-east-1", azId: "use1-az1"))
    }
}
