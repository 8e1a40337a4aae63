import Benchmark
import Foundation
import VPCAudit
import VPCStoreSQLite

// What the audit trail spends on one read-only call's record, off the request thread:
// encoding it (canonical CloudTrail JSON, resources) and appending it to SQLite in a
// batch of 256, chained (the appender's transaction). A DescribeVpcs record as the
// AWS CLI's calls leave them: ~1.2 KB.

/// The record of the `n`-th DescribeVpcs call of one IAM user, naming one VPC
/// (`vpcs: false`: listing them all, as `vpc-loadgen describe-vpcs` does).
func describeRecord(_ n: Int, vpcs: Bool = true) -> CloudTrailRecord {
    CloudTrailRecord(
        eventTime: 1_790_000_000 + Double(n) / 1000,
        caller: CallerIdentity(accessKeyId: "AKIDBENCHMARK0000001", account: "111111111111", userName: "alice"),
        eventName: "DescribeVpcs", awsRegion: "us-east-1", sourceIPAddress: "127.0.0.1",
        userAgent: "aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.18 md/arch#x86_64 lang/python#3.11.8 "
            + "md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.24 command/ec2.describe-vpcs",
        requestParameters: vpcs ? [("VpcId.1", String(format: "vpc-%017x", 0x0123_4567_89ab_cde0 &+ n))] : [],
        requestID: String(format: "%08x-1111-4222-8333-444455556666", n), eventID: String(format: "%08x-aaaa-4bbb-8ccc-ddddeeeeffff", n),
        readOnly: true)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        warmupIterations: 100,
        maxDuration: .seconds(3),
        maxIterations: 100_000
    )

    let records = (0..<256).map { describeRecord($0) }

    Benchmark("trail record encode (DescribeVpcs → canonical JSON)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        for i in benchmark.scaledIterations {
            blackHole(records[i & 255].auditEvent())
        }
    }

    // One trail that grows by each batch (as a server's does), checkpointed when due as the
    // appender does after its batches; made and removed by the benchmark's own process:
    // package-benchmark runs every benchmark in a process of its own.
    func appendBenchmark(_ name: String, _ records: [CloudTrailRecord]) {
        let events = records.map { $0.auditEvent() }
        Benchmark(name, configuration: .init(warmupIterations: 5, maxIterations: 2_000)) { benchmark in
            for _ in benchmark.scaledIterations {
                try TrailFile.store!.appendEvents(events)
                try TrailFile.store!.maintain(overdueOnly: false)
            }
        } setup: {
            try FileManager.default.createDirectory(atPath: TrailFile.directory, withIntermediateDirectories: true)
            TrailFile.store = try SQLiteStore(path: TrailFile.directory + "/vpc.sqlite")
        } teardown: {
            TrailFile.store = nil
            try? FileManager.default.removeItem(atPath: TrailFile.directory)
        }
    }
    appendBenchmark("trail append, batch of 256 records (SQLite transaction, chained)", records)
    appendBenchmark("trail append, batch of 256 records naming no resource", (0..<256).map { describeRecord($0, vpcs: false) })
}

/// The append benchmark's SQLite trail, in a directory of its process.
enum TrailFile {
    static let directory = NSTemporaryDirectory() + "vpc-trail-bench-\(getpid())"
    nonisolated(unsafe) static var store: SQLiteStore?
}
