import ArgumentParser
import Foundation
import VPCStore
import VPCStoreSQLite

/// `vpc flow-logs query|tail`: delivered flow-log lines, read from the server's store
/// (both destinations: log groups and S3 directories), oldest first.
struct FlowLogs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow-logs", abstract: "Read delivered flow-log records.", subcommands: [Query.self, Tail.self])

    /// The filters both subcommands take.
    struct Filters: ParsableArguments {
        @Option(help: "The server's data directory.")
        var dataDir = DataDirectory.defaultPath

        @Option(help: "Only this account's records.")
        var account: String?

        @Option(help: "Only this flow log's records (fl-…).")
        var flowLogId: String?

        @Option(help: "Only records of this network interface (eni-…).")
        var eni: String?

        @Option(help: "Only records with this source or destination address.")
        var address: String?

        @Option(help: "ACCEPT or REJECT.")
        var action: String?

        @Option(help: "Records from this time: Unix seconds, ISO 8601, or an age such as 90s, 10m, 2h, 1d.")
        var since: String?

        @Option(help: "Records before this time (same forms as --since).")
        var until: String?

        func validate() throws {
            if let action, action != "ACCEPT", action != "REJECT" { throw ValidationError("--action is ACCEPT or REJECT") }
            _ = try milliseconds(since, "--since")
            _ = try milliseconds(until, "--until")
        }

        func query() throws -> FlowLogEventQuery {
            var q = FlowLogEventQuery(account: account)
            q.flowLogId = flowLogId
            q.interfaceId = eni
            q.address = address
            q.action = action
            q.startTime = try milliseconds(since, "--since")
            q.endTime = try milliseconds(until, "--until")
            return q
        }

        func milliseconds(_ text: String?, _ name: String) throws -> Int64? {
            guard let text else { return nil }
            let now = Date().timeIntervalSince1970
            if let seconds = Double(text) { return Int64(seconds * 1000) }
            if let date = ISO8601DateFormatter().date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
            let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
            if let unit = text.last.flatMap({ units[$0] }), let n = Double(text.dropLast()), n >= 0 {
                return Int64((now - n * unit) * 1000)
            }
            throw ValidationError("\(name) must be Unix seconds, ISO 8601 or an age like 10m, got '\(text)'")
        }

        func store() throws -> SQLiteStore {
            let path = (dataDir as NSString).appendingPathComponent("vpc.sqlite")
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no store at \(path)") }
            return try SQLiteStore(path: path)
        }
    }

    /// `vpc flow-logs query`: every matching line, oldest first.
    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the matching flow-log lines, oldest first.")

        @OptionGroup var filters: Filters

        @Flag(help: "Prefix each line with its log group (or s3) and stream.")
        var long = false

        func run() throws {
            let store = try filters.store()
            var q = try filters.query()
            q.limit = 10_000
            while true {
                let page = try store.flowLogEvents(q)
                for e in page { print(FlowLogs.render(e.event, long: long)) }
                guard page.count == q.limit, let last = page.last else { break }
                q.after = (last.event.timestamp, last.id)
            }
        }
    }

    /// `vpc flow-logs tail`: the last lines, then (with --follow) new ones as they are delivered.
    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the last flow-log lines; --follow for new ones.")

        @OptionGroup var filters: Filters

        @Option(name: .short, help: "How many lines to print first.")
        var n = 20

        @Flag(name: .shortAndLong, help: "Keep printing lines as they are delivered.")
        var follow = false

        @Flag(help: "Prefix each line with its log group (or s3) and stream.")
        var long = false

        func run() async throws {
            let store = try filters.store()
            var q = try filters.query()
            q.descending = true
            q.limit = max(n, 0)
            let last = try store.flowLogEvents(q).reversed()
            FileHandle.standardOutput.write(Data(last.map { FlowLogs.render($0.event, long: long) + "\n" }.joined().utf8))
            guard follow else { return }
            var newestQuery = FlowLogEventQuery(account: nil)
            newestQuery.storingOrder = true
            newestQuery.descending = true
            newestQuery.limit = 1
            var newest = try store.flowLogEvents(newestQuery).first?.id ?? 0
            // New lines in storing order, so an interval delivered late still shows.
            q.storingOrder = true
            q.descending = false
            q.limit = 1000
            while true {
                q.afterId = newest
                let fresh = try store.flowLogEvents(q)
                let text = fresh.map { FlowLogs.render($0.event, long: long) + "\n" }.joined()
                FileHandle.standardOutput.write(Data(text.utf8))
                newest = fresh.last?.id ?? newest
                if fresh.isEmpty { try await Task.sleep(for: .seconds(1)) }
            }
        }
    }

    static func render(_ e: FlowLogEvent, long: Bool) -> String {
        long ? "\(e.logGroup ?? "s3") \(e.logStream) \(e.message)" : e.message
    }
}
