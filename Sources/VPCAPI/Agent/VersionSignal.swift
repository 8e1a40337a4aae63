import Synchronization

/// The control plane's newest version, and the feed requests waiting for it to pass theirs:
/// a commit wakes them at once; each also wakes at its own deadline.
final class VersionSignal: Sendable {
    private struct State {
        var version: UInt64
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        /// Waits that timed out before their continuation was registered.
        var expired: Set<UInt64> = []
        var nextId: UInt64 = 0
        /// Set by `close`: waits return at once.
        var closed = false
    }
    private let state: Mutex<State>

    init(version: UInt64) { state = Mutex(State(version: version)) }

    /// A commit at `version`: wakes every waiter.
    func advance(to version: UInt64) {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard version > s.version else { return [] }
            s.version = version
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for continuation in woken { continuation.resume() }
    }

    /// The server is stopping: wakes every waiter, and later waits return at once.
    func close() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.closed = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for continuation in woken { continuation.resume() }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Returns once the version is past `version`, after `timeout`, or when closed.
    func wait(after version: UInt64, timeout: Duration) async {
        let id = state.withLock { s -> UInt64 in s.nextId += 1; return s.nextId }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = self.state.withLock { s -> Bool in
                        if s.closed || s.version > version || s.expired.remove(id) != nil { return true }
                        s.waiters[id] = c
                        return false
                    }
                    if now { c.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.expire(id)
            }
            await group.next()
            group.cancelAll()
            expire(id)
        }
        state.withLock { _ = $0.expired.remove(id) }
    }

    private func expire(_ id: UInt64) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let c = s.waiters.removeValue(forKey: id) { return c }
            s.expired.insert(id)
            return nil
        }
        waiter?.resume()
    }
}
