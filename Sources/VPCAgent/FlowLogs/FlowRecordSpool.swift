import Foundation
public import VPCModel
#if canImport(Glibc)
import Glibc
#endif

/// `<state-dir>/flow-records/`: the flow-record batches not yet acknowledged, one file per
/// batch (`<sequence>.json`, the exact body to POST), and `next-sequence`, the counter
/// that numbers them. Every file is written to a temporary name, fsynced and renamed, and
/// a batch is on disk before it is first sent, so after a crash the agent resends the same
/// bytes under the same sequence (docs/agent-protocol.md, "Exactly once").
public final class FlowRecordSpool {
    public let directory: String
    public let hostId: String
    /// The sequence the next batch gets.
    public private(set) var nextSequence: UInt64

    /// Opens (creating) the spool. The counter is the larger of the stored one and one
    /// past the highest spooled batch. A new spool (none of either: a new host, or one
    /// whose state directory was lost) starts at a random sequence in 2³²..<2⁶², so its
    /// batches are not taken for an earlier spool's already stored (the control plane
    /// remembers `(hostId, sequence)` for good).
    public init(directory: String, hostId: String) throws {
        self.directory = directory
        self.hostId = hostId
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let stored = FileManager.default.contents(atPath: "\(directory)/next-sequence")
            .flatMap { UInt64(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
        nextSequence = 0
        let after = try pending().last.map { $0 + 1 }
        nextSequence = stored == nil && after == nil ? UInt64.random(in: 1 << 32..<1 << 62) : max(stored ?? 0, after ?? 0)
    }

    /// Numbers `windows` as the next batch and persists it; returns its sequence. The
    /// counter is written past the sequence before the batch, so a sequence a batch was ever
    /// spooled (and maybe delivered) under is never handed out again, whatever fails.
    @discardableResult
    public func add(_ windows: [FlowLogWindow]) throws -> UInt64 {
        let sequence = nextSequence
        let body = try JSONEncoder().encode(FlowRecordBatch(hostId: hostId, sequence: sequence, windows: windows))
        try write(Data("\(sequence + 1)\n".utf8), to: "\(directory)/next-sequence")
        nextSequence = sequence + 1
        try write(Data(body), to: file(sequence))
        return sequence
    }

    /// Sequences of the spooled batches, oldest first.
    public func pending() throws -> [UInt64] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
            .compactMap { $0.hasSuffix(".json") ? UInt64($0.dropLast(5)) : nil }
            .sorted()
    }

    /// The body of a spooled batch.
    public func body(_ sequence: UInt64) throws -> [UInt8] {
        guard let d = FileManager.default.contents(atPath: file(sequence)) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: file(sequence)])
        }
        return Array(d)
    }

    /// Forgets an acknowledged (or refused) batch.
    public func remove(_ sequence: UInt64) throws {
        try FileManager.default.removeItem(atPath: file(sequence))
    }

    func file(_ sequence: UInt64) -> String { "\(directory)/\(sequence).json" }

    /// Writes `data` to `path` durably: temporary file, fsync, rename, fsync of the directory.
    func write(_ data: Data, to path: String) throws {
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("open \(temp)", errno: errno) }
        var ok = data.withUnsafeBytes { b -> Bool in
            var done = 0
            while done < b.count {
                let n = Glibc.write(fd, b.baseAddress! + done, b.count - done)
                if n < 0 { if errno == EINTR { continue }; return false }
                done += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        let err = errno
        close(fd)
        guard ok else { unlink(temp); throw SystemError("write \(temp)", errno: err) }
        guard rename(temp, path) == 0 else { throw SystemError("rename \(temp)", errno: errno) }
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
    }
}
