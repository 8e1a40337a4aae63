import Foundation
import Synchronization

/// Which generation of each host's own token is valid: revoking a host's token moves its
/// host to the next generation, and tokens of earlier ones stop working. Kept in a JSON
/// file (`{"host-a": 2}`; a host absent is at 0) that `vpc agent-token --revoke` writes
/// beside the agent secret and the server reads again whenever it changes.
public final class HostTokenGenerations: Sendable {
    public let path: String
    private let cache = Mutex(Cache())

    private struct Cache {
        var stamp: [Int] = []
        var generations: [String: Int] = [:]
    }

    public init(path: String) { self.path = path }

    /// The valid generation of `hostId`'s token. A file that cannot be read as JSON makes
    /// every host token invalid (fail closed) until it can be.
    public func current(_ hostId: String) -> Int? {
        let stamp = Self.stamp(path)
        return cache.withLock { c -> Int? in
            if c.stamp != stamp {
                guard let loaded = Self.load(path) else { return nil }
                c.generations = loaded
                c.stamp = stamp
            }
            return c.generations[hostId] ?? 0
        }
    }

    /// Moves `hostId` to its next generation and returns it.
    public func revoke(_ hostId: String) throws -> Int {
        guard var all = Self.load(path) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path])
        }
        let next = (all[hostId] ?? 0) + 1
        all[hostId] = next
        let data = try JSONSerialization.data(withJSONObject: all, options: [.sortedKeys])
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]),
              rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return next
    }

    /// The file's generations; empty when it does not exist, nil when it cannot be read.
    static func load(_ path: String) -> [String: Int]? {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        var out: [String: Int] = [:]
        for (host, value) in object {
            guard let n = value as? Int, n >= 0 else { return nil }
            out[host] = n
        }
        return out
    }

    /// Inode, size and modification time: what changes when the file is replaced or written.
    static func stamp(_ path: String) -> [Int] {
        var s = stat()
        guard stat(path, &s) == 0 else { return [-1] }
        return [Int(s.st_ino), Int(s.st_size), s.st_mtim.tv_sec, s.st_mtim.tv_nsec]
    }
}
