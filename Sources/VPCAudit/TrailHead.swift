import Foundation

/// The newest checkpoint, kept outside the store (`<data-dir>/trail/HEAD`,
/// rewritten atomically) so deleting the newest records or digests from the
/// database is detectable.
public struct TrailHead: Codable, Sendable, Equatable {
    public var digestKey: String?
    public var digestSignature: String?
    public var lastSequence: Int64
    public var lastHash: String

    public init(digestKey: String?, digestSignature: String?, lastSequence: Int64, lastHash: String) {
        self.digestKey = digestKey
        self.digestSignature = digestSignature
        self.lastSequence = lastSequence
        self.lastHash = lastHash
    }

    public static func path(trailDirectory: String) -> String {
        (trailDirectory as NSString).appendingPathComponent("HEAD")
    }

    public static func read(trailDirectory: String) throws -> TrailHead? {
        try read(path: path(trailDirectory: trailDirectory))
    }

    /// HEAD or a copy of it kept elsewhere.
    public static func read(path: String) throws -> TrailHead? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try JSONDecoder().decode(TrailHead.self, from: data)
    }

    /// Writes to a temporary file, fsyncs it and renames it over HEAD.
    public func write(trailDirectory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(self) + Data("\n".utf8)
        try FileOutput.writeAtomically(data, to: Self.path(trailDirectory: trailDirectory))
    }
}

/// What the sealer found wrong between HEAD and the store (`<trail dir>/CONFLICTS`, one line
/// each, appended and synced): the store behind HEAD or different from it, as when its newest
/// records were deleted. The sealer carries on from the store, so without this the next HEAD
/// would hide what happened; `vpc trail verify` reports every line.
public enum TrailConflicts {
    public static func path(trailDirectory: String) -> String {
        (trailDirectory as NSString).appendingPathComponent("CONFLICTS")
    }

    static func record(_ line: String, trailDirectory: String) throws {
        let path = path(trailDirectory: trailDirectory)
        try FileManager.default.createDirectory(atPath: trailDirectory, withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    public static func read(trailDirectory: String) -> [String] {
        guard let data = FileManager.default.contents(atPath: path(trailDirectory: trailDirectory)) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// Durable file writes: temporary file, fsync, rename.
enum FileOutput {
    static func writeAtomically(_ data: Data, to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: data) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: tmp))
        try handle.synchronize()
        try handle.close()
        guard rename(tmp, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
