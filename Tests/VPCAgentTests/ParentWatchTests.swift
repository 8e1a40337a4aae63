import Foundation
import Synchronization
import Testing
@testable import VPCAgent
#if canImport(Glibc)
import Glibc
#endif

/// `vpc agent --parent-pid`: the agent stops when that process exits, not when the thread
/// that spawned it does. Runs the built `vpc` binary (next to the test bundle); needs root.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root: vpc agent"))
struct ParentWatchTests {
    static let vpc = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("vpc").path

    /// An agent with a control plane that never answers (it keeps retrying to register)
    /// and its own loopback underlay address.
    static func agentArguments(stateDirectory: String, parent: String) -> [String] {
        let underlay = "127.\(Int.random(in: 100...254)).\(Int.random(in: 1...254)).\(Int.random(in: 1...254))"
        return [vpc, "agent", "--control-plane", "http://127.0.0.1:9", "--host-id", "parent-watch-test",
                "--underlay", underlay, "--state-dir", stateDirectory, "--parent-pid", parent,
                "--max-tracked-connections", "1024", "--max-flow-log-flows", "1024"]
    }

    static func stateDirectory() -> String {
        NSTemporaryDirectory() + "parent-watch-\(UInt64.random(in: 0...UInt64.max))"
    }

    /// Gone, or a zombie nobody reaps.
    static func exited(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }

    @Test func agentOutlivesTheThreadThatSpawnedIt() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.vpc))
        let dir = Self.stateDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: Self.vpc)
        agent.arguments = Array(Self.agentArguments(stateDirectory: dir, parent: String(getpid())).dropFirst())
        agent.standardError = FileHandle.nullDevice
        let spawned = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        // The spawning thread lives on past the agent's start, then exits, as a retiring pool thread would.
        let spawner = Thread {
            do { try agent.run() } catch { failure.withLock { $0 = "\(error)" } }
            spawned.signal()
            Thread.sleep(forTimeInterval: 2)
        }
        spawner.start()
        spawned.wait()
        #expect(failure.withLock { $0 } == nil)
        defer {
            if agent.isRunning { agent.terminate() }
            agent.waitUntilExit()
        }
        Thread.sleep(forTimeInterval: 4)
        #expect(agent.isRunning, "the agent stopped when the thread that spawned it exited")
    }

    /// Without pidfds (ENOSYS, EPERM) the watch falls back to asking for the parent: it
    /// neither refuses to start nor calls back while the parent lives.
    @Test func withoutPidfdsTheWatchFallsBackToPolling() throws {
        for failure in [ENOSYS, EPERM] {
            let called = Mutex(false)
            ParentWatch.start(getppid(), openPidfd: { _ in -failure }) { called.withLock { $0 = true } }
            Thread.sleep(forTimeInterval: 1.2)
            #expect(!called.withLock { $0 }, "called back while the parent lives (errno \(failure))")
            let gone = Mutex(false)
            ParentWatch.start(Int32.max, openPidfd: { _ in -failure }) { gone.withLock { $0 = true } }
            #expect(gone.withLock { $0 }, "a process that is not the parent counts as gone (errno \(failure))")
        }
    }

    @Test func agentStopsWhenItsParentExits() throws {
        let dir = Self.stateDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // sh starts the agent with itself as the parent, prints its pid and exits 2 s later.
        let args = Self.agentArguments(stateDirectory: dir, parent: "$$").map { $0 == "$$" ? $0 : "'\($0)'" }
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", args.joined(separator: " ") + " 2>/dev/null & echo $!; sleep 2"]
        let out = Pipe()
        shell.standardOutput = out
        try shell.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        let pid = try #require(Int32(line.trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { if !Self.exited(pid) { kill(pid, SIGKILL) } }
        Thread.sleep(forTimeInterval: 1)
        #expect(!Self.exited(pid), "the agent did not start")
        shell.waitUntilExit()
        var waited = 0.0
        while !Self.exited(pid) && waited < 10 {
            Thread.sleep(forTimeInterval: 0.1)
            waited += 0.1
        }
        #expect(Self.exited(pid), "the agent kept running after its parent exited")
    }
}
