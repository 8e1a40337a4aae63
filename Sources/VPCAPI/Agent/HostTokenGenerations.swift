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

    /// Moves `hostId` to its next generation and returns it. Revocations run one at a time
    /// (an exclusive lock on `<path>.lock`), and the file is replaced whole and synced, so
    /// two at once cannot lose one and a crash cannot leave half a file.
    public func revoke(_ hostId: String) throws -> Int {
        let lock = open(path + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lock >= 0, flock(lock, LOCK_EX) == 0 else { throw Self.failure(path + ".lock") }
        defer { close(lock) }  // releases the lock
        guard var all = Self.load(path) else { throw Self.failure(path) }
        let next = (all[hostId] ?? 0) + 1
        all[hostId] = next
        let data = Array(try JSONSerialization.data(withJSONObject: all, options: [.sortedKeys]))
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure(temporary) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == data.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Self.failure(path)
        }
        return next
    }

    static func failure(_ path: String) -> CocoaError {
        CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: String(cString: strerror(errno))])
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
        guard let a = try? FileManager.default.attributesOfItem(atPath: path) else { return [-1] }
        let modified = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return [(a[.systemFileNumber] as? NSNumber)?.intValue ?? 0, (a[.size] as? NSNumber)?.intValue ?? 0,
                Int(modified * 1_000_000_000)]
    }
}
