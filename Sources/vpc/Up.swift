import ArgumentParser
import Foundation
import VPCAPI
import VPCAgent
#if canImport(Glibc)
import Glibc
#endif

/// `vpc up`: the whole VPC on this machine — the control plane (embedded SQLite) and
/// `--hosts` host agents, each standing for one physical host with its own loopback
/// underlay address (host N is 127.0.0.(N+1), Geneve on UDP 6081). Ctrl-C stops the
/// agents (which tear down their instances' namespaces and TAPs) and then the server.
struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the control plane and host agents on this machine (needs root).")

    @OptionGroup var options: ServerOptions

    @Option(help: "Number of host agents to start.")
    var hosts = 2

    @Option(help: "Metrics port of host 1; host N listens on 127.0.0.1:(PORT+N-1).")
    var metricsPort = 9101

    @Option(help: "Passed to each agent: after traffic, poll for this many microseconds before sleeping (0: off).")
    var busyPoll: UInt32 = 0

    @Option(help: "Passed to each agent: after a bulk transfer (16 KiB or more read at once), poll for this many microseconds before sleeping (0: off).")
    var bulkPoll: UInt32 = 100

    @OptionGroup var capacities: DataplaneCapacities

    func validate() throws {
        guard (1...250).contains(hosts) else { throw ValidationError("--hosts must be between 1 and 250") }
    }

    func run() async throws {
        guard Privileges.canManageNetworks else {
            throw ValidationError("vpc up needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): its agents create network namespaces and TAP devices. Run it with sudo, or run `vpc serve` for the API alone.")
        }
        let (host, port) = try options.hostAndPort()
        let connectHost = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
        let controlPlane = "http://\(connectHost.contains(":") ? "[\(connectHost)]" : connectHost):\(port)"
        let tokenFile = options.agentTokenFile ?? DataDirectory.agentTokenPath(options.dataDir)
        try FileManager.default.createDirectory(atPath: options.dataDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let secret = try DataDirectory.loadOrCreateAgentToken(at: tokenFile)
        let agents = try (1...hosts).map { n in
            try spawnAgent(n, controlPlane: controlPlane, secret: secret,
                           generations: DataDirectory.tokenGenerations(secretPath: tokenFile))
        }
        FileHandle.standardOutput.write(Data((banner(controlPlane: controlPlane) + "\n").utf8))
        // Ctrl-C (or SIGTERM) goes to the agents at once, so their long-polls do not hold
        // the server's graceful shutdown; the server stops on the same signal.
        let forwarders = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { for agent in agents where agent.isRunning { agent.terminate() } }
            source.resume()
            return source
        }
        defer {
            Self.stop(agents)
            forwarders.forEach { $0.cancel() }
        }
        var serve = Serve()
        serve.options = options
        try await serve.run()
    }

    /// Starts `vpc agent` for host `n` as a child process that stops when we exit (it watches
    /// `--parent-pid`; any thread may spawn it), with its own token (`<state dir>/agent-token`),
    /// not the secret: it can act for host-`n` alone.
    func spawnAgent(_ n: Int, controlPlane: String, secret: String, generations: HostTokenGenerations) throws -> Process {
        let stateDir = (options.dataDir as NSString).appendingPathComponent("hosts/host-\(n)")
        try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let tokenFile = (stateDir as NSString).appendingPathComponent("agent-token")
        try DataDirectory.writeHostToken(secret: secret, generations: generations, hostId: "host-\(n)", to: tokenFile)
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        agent.arguments = ["agent", "--control-plane", controlPlane, "--host-id", "host-\(n)",
                           "--underlay", "127.0.0.\(n + 1)", "--token-file", tokenFile, "--state-dir", stateDir,
                           "--metrics-listen", "127.0.0.1:\(metricsPort + n - 1)", "--cleanup-on-exit",
                           "--parent-pid", String(getpid()), "--busy-poll", String(busyPoll),
                           "--bulk-poll", String(bulkPoll)] + capacities.arguments
        agent.standardInput = FileHandle.nullDevice
        try agent.run()
        return agent
    }

    /// SIGTERM to every agent, then wait (each tears its instances down before exiting).
    static func stop(_ agents: [Process]) {
        for agent in agents where agent.isRunning { agent.terminate() }
        for agent in agents { agent.waitUntilExit() }
    }

    func banner(controlPlane: String) -> String {
        let credentials = (options.dataDir as NSString).appendingPathComponent("credentials")
        var lines = ["vpc up: control plane at \(controlPlane), \(hosts) host agent(s) (underlay 127.0.0.2-127.0.0.\(hosts + 1), Geneve UDP 6081)"]
        if options.credentials.isEmpty {
            lines.append("  export AWS_SHARED_CREDENTIALS_FILE=\(credentials) AWS_DEFAULT_REGION=us-east-1")
        } else {
            lines.append("  credentials: the keys given with --credentials; region us-east-1 (any listed region works)")
        }
        lines.append("  aws ec2 run-instances --endpoint-url \(controlPlane) --image-id ami-12345678 --count 1")
        lines.append("  vpc exec <instance-id> -- ip addr")
        return lines.joined(separator: "\n")
    }
}
