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
        guard let data = FileManager.default.contents(atPath: path(trailDirectory: trailDirectory)) else { return nil }
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
