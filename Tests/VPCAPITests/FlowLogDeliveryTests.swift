import EC2Query
import EC2Shapes
import Foundation
import Testing
import VPCAPI
import VPCAudit
import VPCControlPlane
import VPCModel
import VPCStore
import VPCStoreSQLite

/// A control plane over SQLite with one ENI in account A, a log-group flow log (ALL) on its VPC,
/// an s3 flow log (REJECT) on its subnet, and the delivery endpoint; its directory goes with it.
final class DeliveryFixture {
    static let account = "111111111111"
    let directory: String
    let store: SQLiteStore
    let cp: ControlPlane
    let delivery: FlowLogDelivery
    let service: EC2Service
    let eni: String
    let toGroup: String
    let toS3: String

    init() throws {
        directory = NSTemporaryDirectory() + "flowlogs-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: directory + "/vpc.sqlite")
        let clock: @Sendable () -> Double = { 1_790_000_000 }
        cp = try ControlPlane(store: store, clock: clock)
        let credentials = try Credentials(store: store)
        try credentials.provision(AccessKey(accessKeyId: "AKIDA", secretAccessKey: "secret-a", account: Self.account, userName: "a"))
        try credentials.provision(AccessKey(accessKeyId: "AKIDB", secretAccessKey: "secret-b", account: "222222222222", userName: "b"))
        service = EC2Service(controlPlane: cp, credentials: credentials, flowLogStore: store, clock: clock)
        delivery = FlowLogDelivery(controlPlane: cp, store: store, token: "s3cret-token",
                                   s3Directory: directory + "/s3", clock: clock)
        let ids = try cp.write(account: Self.account, region: "us-east-1") { tx -> (String, String, String) in
            let vpc = try tx.createVpc(.init(cidrBlock: "10.0.0.0/16")).vpc!.vpcId!
            let subnet = try tx.createSubnet(.init(availabilityZone: "us-east-1a", cidrBlock: "10.0.1.0/24", vpcId: vpc)).subnet!.subnetId!
            let eni = try tx.createNetworkInterface(.init(subnetId: subnet, privateIpAddress: "10.0.1.10")).networkInterface!.networkInterfaceId!
            let group = try tx.createFlowLogs(.init(deliverLogsPermissionArn: "arn:aws:iam::111111111111:role/r", logGroupName: "flows",
                                                    resourceIds: [vpc], resourceType: "VPC", trafficType: "ALL")).flowLogIds![0]
            let s3 = try tx.createFlowLogs(.init(resourceIds: [subnet], resourceType: "Subnet", trafficType: "REJECT",
                                                 logDestinationType: "s3", logDestination: "arn:aws:s3:::bucket/pfx",
                                                 logFormat: "${interface-id} ${srcaddr} ${dstport} ${action} ${log-status}")).flowLogIds![0]
            return (eni, group, s3)
        }
        (eni, toGroup, toS3) = ids
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func record(_ dstport: Int, _ action: FlowAction, start: Int64 = 1_790_000_010) -> FlowRecord {
        FlowRecord(srcaddr: "10.0.1.20", dstaddr: "10.0.1.10", srcport: 40000, dstport: dstport, protocol: 6, packets: 3,
                   bytes: 180, start: start, end: start + 5, action: action, tcpFlags: 2, flowDirection: .ingress)
    }

    func batch(_ sequence: UInt64, host: String = "host-1") -> FlowRecordBatch {
        let records = [record(22, .accept), record(3389, .reject)]
        return FlowRecordBatch(hostId: host, sequence: sequence, windows: [
            FlowLogWindow(flowLogId: toGroup, networkInterfaceId: eni, start: 1_790_000_000, end: 1_790_000_060,
                          logStatus: .ok, records: records),
            FlowLogWindow(flowLogId: toS3, networkInterfaceId: eni, start: 1_790_000_000, end: 1_790_000_060,
                          logStatus: .ok, records: records),
        ])
    }

    func messages() throws -> [String] {
        try store.flowLogEvents(FlowLogEventQuery(account: Self.account)).map(\.event.message)
    }

    func s3Objects() -> [String] {
        let root = directory + "/s3"
        return (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".log.gz") }.sorted()
    }

    /// A JSON 1.1 CloudWatch Logs call, signed as botocore signs it.
    func logs(_ action: String, _ body: [String: Any], key: SigV4Credentials = APIFixture.keyA,
              region: String = "us-east-1") throws -> (status: Int, json: [String: Any]) {
        var request = SigV4Request(
            method: "POST", path: "/", query: "",
            headers: [("Host", "127.0.0.1:9001"), ("Content-Type", "application/x-amz-json-1.1"),
                      ("X-Amz-Target", "Logs_20140328." + action)],
            body: Array(try JSONSerialization.data(withJSONObject: body)))
        SigV4Signer(credentials: key, region: region, service: "logs").sign(&request, amzDate: APIFixture.amzDate(1_790_000_000))
        let response = service.handle(APIRequest(method: "POST", path: "/", query: "", headers: request.headers,
                                                 body: request.body, sourceIP: "127.0.0.1"))
        return (response.status, try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:])
    }
}

@Suite struct FlowLogDeliveryTests {
    @Test func linesInEachFlowLogsFormatAndTrafficType() throws {
        let f = try DeliveryFixture()
        let result = try f.delivery.deliver(f.batch(1))
        // The group takes both records; the s3 flow log (REJECT) takes one and drops the ACCEPT.
        #expect(result == FlowRecordBatchResult(stored: 3, duplicate: false, dropped: 1))
        let events = try f.store.flowLogEvents(FlowLogEventQuery(account: DeliveryFixture.account))
        let grouped = events.filter { $0.event.logGroup == "flows" }
        #expect(grouped.map(\.event.message) == [
            "2 111111111111 \(f.eni) 10.0.1.20 10.0.1.10 40000 22 6 3 180 1790000010 1790000015 ACCEPT OK",
            "2 111111111111 \(f.eni) 10.0.1.20 10.0.1.10 40000 3389 6 3 180 1790000010 1790000015 REJECT OK",
        ])
        #expect(grouped.allSatisfy { $0.event.logStream == f.eni + "-all" && $0.event.timestamp == 1_790_000_010_000 })
        let objects = f.s3Objects()
        #expect(objects.count == 1)
        let key = try #require(objects.first)
        #expect(key.hasPrefix("bucket/pfx/AWSLogs/111111111111/vpcflowlogs/us-east-1/2026/09/21/111111111111_vpcflowlogs_us-east-1_\(f.toS3)_20260921T1410Z_"))
        let gz = try #require(FileManager.default.contents(atPath: f.directory + "/s3/" + key))
        #expect(String(decoding: try gunzipStored(Array(gz)), as: UTF8.self)
                == "interface-id srcaddr dstport action log-status\n\(f.eni) 10.0.1.20 3389 REJECT OK\n")
    }

    @Test func aResentBatchIsStoredOnce() throws {
        let f = try DeliveryFixture()
        _ = try f.delivery.deliver(f.batch(7))
        let before = try f.messages()
        let again = try f.delivery.deliver(f.batch(7))
        #expect(again == FlowRecordBatchResult(stored: 0, duplicate: true, dropped: 0))
        #expect(try f.messages() == before)
        // Another host may use the same sequence number; the next batch of this host is new.
        #expect(try f.delivery.deliver(f.batch(7, host: "host-2")).duplicate == false)
        #expect(try f.delivery.deliver(f.batch(8)).duplicate == false)
        #expect(try f.messages().count == 3 * before.count)
        #expect(f.s3Objects().count == 3)
    }

    @Test func aBatchThatFailsToStoreLeavesNothingAndIsStoredOnRetry() throws {
        let f = try DeliveryFixture()
        struct DiskFull: Error {}
        #expect(throws: DiskFull.self) {
            _ = try f.store.storeFlowLogBatch(host: "host-1", sequence: 1, events: [
                FlowLogEvent(account: DeliveryFixture.account, region: "us-east-1", flowLogId: f.toGroup, interfaceId: f.eni,
                             logGroup: "flows", logStream: f.eni + "-all", timestamp: 1, ingestionTime: 1, message: "m"),
            ]) { throw DiskFull() }
        }
        #expect(try f.messages().isEmpty)
        #expect(try f.delivery.deliver(f.batch(1)).stored == 3)
    }

    /// A window whose S3 destination can never be written (here a file stands where the
    /// bucket's directory would be) fails alone: the batch's other windows are stored and
    /// the batch is acknowledged, so it does not hold back the host's later ones.
    @Test func aWindowWhoseDestinationCannotBeWrittenFailsAlone() throws {
        let f = try DeliveryFixture()
        try FileManager.default.createDirectory(atPath: f.directory + "/s3", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: f.directory + "/s3/bucket", contents: Data("not a bucket".utf8)))
        let (status, body, _) = f.delivery.handle(authorization: "Bearer s3cret-token",
                                                  body: Array(try JSONEncoder().encode(f.batch(1))))
        #expect(status == 200)
        let result = try JSONDecoder().decode(FlowRecordBatchResult.self, from: Data(body))
        #expect(result == FlowRecordBatchResult(stored: 2, duplicate: false, dropped: 1, failed: 1))
        #expect(try f.messages().count == 2)  // the log group's window
        #expect(f.s3Objects().isEmpty)
    }

    @Test func noDataSkipDataAndWhatIsDropped() throws {
        let f = try DeliveryFixture()
        var bad = f.record(22, .accept)
        bad.srcaddr = "not-an-address"
        let batch = FlowRecordBatch(hostId: "h", sequence: 1, windows: [
            FlowLogWindow(flowLogId: f.toGroup, networkInterfaceId: f.eni, start: 1_790_000_060, end: 1_790_000_120,
                          logStatus: .noData, records: []),
            FlowLogWindow(flowLogId: f.toGroup, networkInterfaceId: f.eni, start: 1_790_000_120, end: 1_790_000_180,
                          logStatus: .skipData, records: [f.record(80, .accept, start: 1_790_000_130), bad]),
            // A deleted or unknown flow log, and an ENI the flow log does not cover.
            FlowLogWindow(flowLogId: "fl-0123456789abcdef0", networkInterfaceId: f.eni, start: 1, end: 2, logStatus: .ok,
                          records: [f.record(22, .accept)]),
            FlowLogWindow(flowLogId: f.toGroup, networkInterfaceId: "eni-0123456789abcdef0", start: 1, end: 2,
                          logStatus: .noData, records: []),
        ])
        #expect(try f.delivery.deliver(batch) == FlowRecordBatchResult(stored: 3, duplicate: false, dropped: 4))
        #expect(try f.messages() == [
            "2 111111111111 \(f.eni) - - - - - - - 1790000060 1790000120 - NODATA",
            "2 111111111111 \(f.eni) - - - - - - - 1790000120 1790000180 - SKIPDATA",
            "2 111111111111 \(f.eni) 10.0.1.20 10.0.1.10 40000 80 6 3 180 1790000130 1790000135 ACCEPT OK",
        ])
    }

    @Test func theHTTPExchangeNeedsTheToken() throws {
        let f = try DeliveryFixture()
        let body = Array(try JSONEncoder().encode(f.batch(1)))
        #expect(f.delivery.handle(authorization: nil, body: body).status == 401)
        #expect(f.delivery.handle(authorization: "Bearer s3cret-tokeN", body: body).status == 401)
        #expect(f.delivery.handle(authorization: "Bearer s3cret-token-and-more", body: body).status == 401)
        #expect(f.delivery.handle(authorization: "s3cret-token", body: body).status == 401)
        #expect(try f.messages().isEmpty)
        #expect(f.delivery.handle(authorization: "Bearer s3cret-token", body: Array("{".utf8)).status == 400)
        let ok = f.delivery.handle(authorization: "Bearer s3cret-token", body: body)
        #expect(ok.status == 200)
        #expect(try JSONDecoder().decode(FlowRecordBatchResult.self, from: Data(ok.body)).stored == 3)
    }

    /// A host's own token delivers that host's batches alone, and only records of ENIs that
    /// may be on it: attached to its instance, or detached in a VPC where it has one.
    @Test func aHostDeliversForItsOwnInstancesOnly() throws {
        let f = try DeliveryFixture()
        let credentials = AgentCredentials(secret: "s3cret-token")
        try f.cp.registerHost(HostRegistration(hostId: "host-1", underlay: "192.0.2.1"))
        let instanceENI = try f.cp.write(account: DeliveryFixture.account, region: "us-east-1") { tx in
            let subnet = tx.state.networkInterfaces[f.eni]!.subnetId!
            let reservation = try tx.runInstances(EC2.RunInstancesRequest(imageId: "ami-0123456789abcdef0", maxCount: 1,
                                                                          minCount: 1, subnetId: subnet))
            return reservation.instances![0].networkInterfaces![0].networkInterfaceId!
        }
        let body = Array(try JSONEncoder().encode(f.batch(1)))
        #expect(f.delivery.handle(authorization: "Bearer " + credentials.hostToken("host-2"), body: body).status == 403)
        #expect(try f.messages().isEmpty)

        var sequence: UInt64 = 1
        func deliver(_ eni: String, from host: String, as caller: AgentCredentials.Caller) throws -> FlowRecordBatchResult {
            sequence += 1
            return try f.delivery.deliver(FlowRecordBatch(hostId: host, sequence: sequence, windows: [
                FlowLogWindow(flowLogId: f.toGroup, networkInterfaceId: eni, start: 1_790_000_000,
                              end: 1_790_000_060, logStatus: .ok, records: [f.record(80, .accept)])]), from: caller)
        }
        let stored = FlowRecordBatchResult(stored: 1, duplicate: false, dropped: 0)
        let dropped = FlowRecordBatchResult(stored: 0, duplicate: false, dropped: 2)
        #expect(try deliver(instanceENI, from: "host-2", as: .host("host-2")) == dropped)
        #expect(try deliver(instanceENI, from: "host-1", as: .host("host-1")) == stored)
        #expect(try deliver(f.eni, from: "host-2", as: .host("host-2")) == dropped)  // detached, no instance of host-2 there
        #expect(try deliver(f.eni, from: "host-1", as: .host("host-1")) == stored)
        #expect(try deliver(instanceENI, from: "host-2", as: .operator) == stored)
    }

    /// Times that would overflow as milliseconds (or are before 1970) are a bad batch: 400,
    /// nothing stored, the server still up.
    @Test func timesOutOfRangeAreRefused() throws {
        let f = try DeliveryFixture()
        func status(_ change: (inout FlowRecordBatch) -> Void) throws -> Int {
            var b = f.batch(1)
            change(&b)
            return f.delivery.handle(authorization: "Bearer s3cret-token", body: Array(try JSONEncoder().encode(b))).status
        }
        #expect(try status { $0.windows[0].records[0].start = Int64.max / 2; $0.windows[0].records[0].end = Int64.max } == 400)
        #expect(try status { $0.windows[1].end = Int64.max } == 400)
        #expect(try status { $0.windows[0].start = -1 } == 400)
        #expect(try f.messages().isEmpty && f.s3Objects().isEmpty)
        #expect(try status { _ in } == 200)
    }

    @Test func cloudWatchLogsReadsPerAccount() throws {
        let f = try DeliveryFixture()
        _ = try f.delivery.deliver(f.batch(1))
        let groups = try f.logs("DescribeLogGroups", [:])
        #expect((groups.json["logGroups"] as? [[String: Any]])?.compactMap { $0["logGroupName"] as? String } == ["flows"])
        let bytes = try f.messages().filter { $0.hasPrefix("2 ") }.reduce(0) { $0 + $1.utf8.count }
        #expect((groups.json["logGroups"] as? [[String: Any]])?.first?["storedBytes"] as? Int == bytes)
        let streams = try f.logs("DescribeLogStreams", ["logGroupName": "flows"])
        #expect((streams.json["logStreams"] as? [[String: Any]])?.first?["logStreamName"] as? String == f.eni + "-all")
        let filtered = try f.logs("FilterLogEvents", ["logGroupName": "flows", "filterPattern": "[..., action=REJECT, status]"])
        let events = try #require(filtered.json["events"] as? [[String: Any]])
        #expect(events.count == 1 && (events[0]["message"] as? String)?.contains(" 3389 ") == true)
        #expect(filtered.json["nextToken"] == nil)
        // The records start at 1790000010 s: FilterLogEvents' endTime is inclusive, GetLogEvents' is not.
        let upTo = try f.logs("FilterLogEvents", ["logGroupName": "flows", "endTime": 1_790_000_010_000])
        #expect((upTo.json["events"] as? [Any])?.count == 2)
        let before = try f.logs("GetLogEvents", ["logGroupName": "flows", "logStreamName": f.eni + "-all",
                                                 "endTime": 1_790_000_010_000])
        #expect((before.json["events"] as? [Any])?.isEmpty == true)
        let paged = try f.logs("FilterLogEvents", ["logGroupName": "flows", "limit": 1])
        #expect((paged.json["events"] as? [Any])?.count == 1)
        let token = try #require(paged.json["nextToken"] as? String)
        let rest = try f.logs("FilterLogEvents", ["logGroupName": "flows", "limit": 1, "nextToken": token])
        #expect(((rest.json["events"] as? [[String: Any]])?.first?["message"] as? String)?.contains("REJECT") == true)

        let head = try f.logs("GetLogEvents", ["logGroupName": "flows", "logStreamName": f.eni + "-all", "startFromHead": true, "limit": 1])
        #expect((head.json["events"] as? [[String: Any]])?.count == 1)
        let forward = try #require(head.json["nextForwardToken"] as? String)
        let next = try f.logs("GetLogEvents", ["logGroupName": "flows", "logStreamName": f.eni + "-all", "nextToken": forward])
        #expect((next.json["events"] as? [[String: Any]])?.count == 1)
        let end = try f.logs("GetLogEvents", ["logGroupName": "flows", "logStreamName": f.eni + "-all",
                                              "nextToken": next.json["nextForwardToken"] as! String])
        #expect((end.json["events"] as? [Any])?.isEmpty == true)
        #expect(end.json["nextForwardToken"] as? String == next.json["nextForwardToken"] as? String)
        // Backward from the end of the stream: both events.
        let back = try f.logs("GetLogEvents", ["logGroupName": "flows", "logStreamName": f.eni + "-all",
                                               "nextToken": end.json["nextBackwardToken"] as! String])
        #expect((back.json["events"] as? [Any])?.count == 2)
        let noStream = try f.logs("GetLogEvents", ["logGroupName": "flows", "logStreamName": "eni-nope-all"])
        #expect(noStream.status == 400 && noStream.json["__type"] as? String == "ResourceNotFoundException")

        // Account B has no such group; a bad pattern is InvalidParameterException.
        let foreign = try f.logs("FilterLogEvents", ["logGroupName": "flows"], key: APIFixture.keyB)
        #expect(foreign.status == 400 && foreign.json["__type"] as? String == "ResourceNotFoundException")
        #expect((try f.logs("DescribeLogGroups", [:], key: APIFixture.keyB).json["logGroups"] as? [Any])?.isEmpty == true)
        let bad = try f.logs("FilterLogEvents", ["logGroupName": "flows", "filterPattern": "[a, b"])
        #expect(bad.json["__type"] as? String == "InvalidParameterException")
        #expect(try f.logs("PutLogEvents", [:]).json["__type"] as? String == "UnknownOperationException")

        // Edges: the largest endTime (its inclusive bound overflowed), an over-long pattern,
        // a region this server does not serve (a client error, not a 500).
        let latest = try f.logs("FilterLogEvents", ["logGroupName": "flows", "endTime": Int64.max])
        #expect(latest.status == 200 && (latest.json["events"] as? [Any])?.count == 2)
        let long = try f.logs("FilterLogEvents", ["logGroupName": "flows", "filterPattern": String(repeating: "a", count: 1025)])
        #expect(long.status == 400 && long.json["__type"] as? String == "InvalidParameterException")
        let nowhere = try f.logs("DescribeLogGroups", [:], region: "xx-nowhere-9")
        #expect((400..<500).contains(nowhere.status), "\(nowhere)")
    }
}

/// Inflates the stored-block gzip the delivery writes (what `zcat` reads).
func gunzipStored(_ gz: [UInt8]) throws -> [UInt8] {
    struct NotStored: Error {}
    guard let content = Gzip.decompressStored(gz) else { throw NotStored() }
    return content
}
