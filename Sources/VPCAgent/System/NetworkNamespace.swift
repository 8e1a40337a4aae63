import Foundation

/// A named network namespace (`ip netns`), bound at `/run/netns/<name>`, plus its
/// `/etc/netns/<name>/resolv.conf` (which `ip netns exec` mounts over /etc/resolv.conf).
///
/// Instances live in `vpc-<instance id>` (e.g. `vpc-i-0123456789abcdef0`).
public struct NetworkNamespace: Hashable, Sendable {
    public var name: String

    public init(name: String) { self.name = name }

    /// The namespace of an instance.
    public init(instanceId: String) { name = NetworkNamespace.prefix + instanceId }

    public static let prefix = "vpc-"

    /// The instance id of a `vpc-i-…` namespace, else nil.
    public var instanceId: String? {
        name.hasPrefix(NetworkNamespace.prefix + "i-") ? String(name.dropFirst(NetworkNamespace.prefix.count)) : nil
    }

    public var path: String { "/run/netns/\(name)" }
    var etcDirectory: String { "/etc/netns/\(name)" }

    public var exists: Bool { FileManager.default.fileExists(atPath: path) }

    /// Creates the namespace if it does not exist.
    public func create() throws {
        if !exists { try Command.run(["ip", "netns", "add", name]) }
    }

    /// Writes the resolver configuration seen inside the namespace.
    public func writeResolvConf(nameservers: [String], search: String?) throws {
        try FileManager.default.createDirectory(atPath: etcDirectory, withIntermediateDirectories: true)
        var text = "# written by vpc agent\n" + nameservers.map { "nameserver \($0)\n" }.joined()
        if let search, !search.isEmpty { text += "search \(search)\n" }
        try text.write(toFile: "\(etcDirectory)/resolv.conf", atomically: true, encoding: .utf8)
    }

    /// Processes whose network namespace is this one.
    public func processIDs() -> [Int32] {
        guard exists, let out = try? Command.run(["ip", "netns", "pids", name]) else { return [] }
        return out.split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
    }

    /// Kills every process in the namespace (SIGKILL) and waits up to `timeout` for them to go.
    public func killProcesses(timeout: Double = 3) {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let pids = processIDs()
            if pids.isEmpty { return }
            for p in pids { kill(p, SIGKILL) }
            if Date() > deadline { return }
            usleep(20_000)
        }
    }

    /// Kills its processes, deletes the namespace and its /etc/netns directory.
    public func delete() throws {
        killProcesses()
        if exists { try Command.run(["ip", "netns", "delete", name]) }
        try? FileManager.default.removeItem(atPath: etcDirectory)
    }

    /// Every namespace whose name starts with `vpc-i-`.
    public static func instanceNamespaces() -> [NetworkNamespace] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        return names.filter { $0.hasPrefix(prefix + "i-") }.sorted().map(NetworkNamespace.init(name:))
    }
}
