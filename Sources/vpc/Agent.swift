import ArgumentParser
import Foundation
import Logging
import VPCAgent
import VPCWire

/// `vpc agent`: the host agent that runs instances and moves their packets.
struct Agent: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the host agent: instances in network namespaces, the VPC data plane between them.",
        discussion: """
            Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN): it creates network namespaces \
            (vpc-<instance id>), TAP devices and binds the Geneve socket (UDP 6081).
            """)

    @Option(help: "The control plane's URL (the EC2 endpoint, http://HOST:PORT).")
    var controlPlane: String

    @Option(help: "This host's id, as the control plane knows it.")
    var hostId: String

    @Option(help: "IPv4 address for the Geneve socket (UDP 6081); other hosts send to it.")
    var underlay: String

    @Option(help: "File holding this host's token (`vpc agent-token --host-id ID` prints it), or the server's agent secret.")
    var tokenFile: String?

    @Option(help: "Directory for the agent's state, user data and console files.")
    var stateDir = "/var/lib/vpc-agent"

    @Option(help: "Serve Prometheus metrics on ADDR:PORT.")
    var metricsListen: String?

    @Flag(help: "On SIGTERM or SIGINT, delete every instance namespace and TAP this agent made.")
    var cleanupOnExit = false

    @Option(help: "Stop, as on SIGTERM, when the process with this pid (the one that started the agent) exits.")
    var parentPid: Int32?

    @Flag(help: "Open TAPs without IFF_VNET_HDR, TSO and checksum offload (every frame at most the MTU).")
    var noTapOffloads = false

    @Option(help: ArgumentHelp(
        "After traffic, poll for this many microseconds before sleeping (0: off).",
        discussion: "Each frame then needs no wakeup of the data-plane thread, at the price of a CPU kept busy while traffic comes closer together than this (it yields to any other runnable thread)."))
    var busyPoll: UInt32 = 0

    @Option(help: ArgumentHelp(
        "After a bulk transfer (16 KiB or more read at once), poll for this many microseconds before sleeping (0: off).",
        discussion: "Bulk traffic between instances then flows without a wakeup per super-frame, while sparse and request/response traffic of small frames keeps no CPU busy."))
    var bulkPoll: UInt32 = 100

    @OptionGroup var capacities: DataplaneCapacities

    func validate() throws {
        guard IPv4Address(underlay) != nil else { throw ValidationError("--underlay must be an IPv4 address, got \(underlay)") }
    }

    func run() throws {
        guard Privileges.canManageNetworks else {
            FileHandle.standardError.write(Data("vpc agent needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to create network namespaces and TAP devices; run it with sudo.\n".utf8))
            throw ExitCode(77)
        }
        var token: String?
        if let tokenFile {
            guard let d = FileManager.default.contents(atPath: tokenFile) else {
                throw ValidationError("cannot read --token-file \(tokenFile)")
            }
            token = String(decoding: d, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var logger = Logger(label: "vpc-agent")
        logger.logLevel = .info
        var options = HostAgent.Options(controlPlane: controlPlane, hostId: hostId, underlay: IPv4Address(underlay)!,
                                        token: token, stateDirectory: stateDir, metricsListen: metricsListen,
                                        cleanupOnExit: cleanupOnExit)
        options.tapOffloads = !noTapOffloads
        options.busyPollMicroseconds = busyPoll
        options.bulkPollMicroseconds = bulkPoll
        options.trackedConnections = capacities.maxTrackedConnections
        options.flowLogFlows = capacities.maxFlowLogFlows
        options.interfaces = capacities.maxInterfaces
        options.parentPID = parentPid
        let agent = try HostAgent(options: options, logger: logger)
        try agent.run()
    }
}
