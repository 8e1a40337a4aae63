import ArgumentParser
import Foundation
import Hummingbird
import Logging
import NIOCore
import VPCAPI
import VPCAudit
import VPCControlPlane
import VPCStore
import VPCStoreSQLite

/// `vpc serve`: the EC2-compatible API server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the EC2-compatible API server.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        // Before anything uses the shared event loops.
        NIOSingletons.groupLoopCountSuggestion = options.eventLoops ?? ServerOptions.defaultEventLoops
        var logger = Logger(label: "vpc")
        logger.logLevel = .info
        let store = try DataDirectory.openStore(options.dataDir)
        var audit: AuditAppender?
        var sealer: TrailSealer?
        if !options.noAudit {
            audit = AuditAppender(store: store)
            sealer = try TrailSealer(
                store: store, key: try TrailSigningKey.loadOrCreate(in: options.dataDir),
                trailDirectory: DataDirectory.trailPath(options.dataDir),
                layout: TrailLayout(ownerAccount: DataDirectory.defaultAccount),
                digestInterval: options.digestInterval, log: { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) })
        }
        let (app, agentService) = try makeApplication(store: store, audit: audit, logger: logger)
        audit?.start()
        sealer?.start()
        let maintenance = StoreMaintenance(store: store, overdueOnly: audit != nil, log: { [logger] line in logger.error("\(line)") })
        maintenance.start()
        defer { maintenance.stop() }
        // On SIGINT/SIGTERM the agents' long-polls answer at once instead of holding the
        // graceful shutdown for up to their wait.
        let stopping = [SIGINT, SIGTERM].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { agentService.shutDown() }
            source.resume()
            return source
        }
        defer { stopping.forEach { $0.cancel() } }
        try await app.runService()  // stops cleanly on SIGINT and SIGTERM
        // The server has stopped: write what is queued, seal it and checkpoint.
        if let unwritten = audit?.stop(), unwritten > 0 {
            logger.error("audit trail: \(unwritten) records of calls that changed nothing could not be stored")
        }
        try sealer?.stop()
    }

    func makeApplication(store: SQLiteStore, audit: AuditAppender?, logger: Logger) throws -> (some ApplicationProtocol, AgentService) {
        let credentials = try Credentials(store: store)
        for key in try options.accessKeys() { try credentials.provision(key) }
        if let path = try DataDirectory.ensureCredentials(credentials, dir: options.dataDir) {
            logger.notice("created an access key for account \(DataDirectory.defaultAccount); it is in \(path)")
        }
        let controlPlane = try ControlPlane(store: store, options: options.controlPlaneOptions())
        var service = EC2Service(controlPlane: controlPlane, credentials: credentials,
                                 maxClockSkew: options.maxClockSkew,
                                 throttle: Throttle(limits: try options.throttleLimits()), audit: audit,
                                 flowLogStore: store)
        let tokenPath = options.agentTokenFile ?? DataDirectory.agentTokenPath(options.dataDir)
        let agentToken = try DataDirectory.loadOrCreateAgentToken(at: tokenPath)
        let generations = DataDirectory.tokenGenerations(secretPath: tokenPath)
        let agent = AgentService(controlPlane: controlPlane, token: agentToken, generations: generations)
        service.writeResponded = agent.writeResponded
        logger.notice("host agents authenticate with the secret in \(tokenPath), or each with its own token (vpc agent-token --host-id ID)")
        let delivery = FlowLogDelivery(controlPlane: controlPlane, store: store, token: agentToken, generations: generations,
                                       s3Directory: DataDirectory.s3Path(options.dataDir))
        // Terminated instances disappear an hour after they terminate. Calls refused unrecorded
        // for failing authentication past their source's rate are counted here.
        let throttle = service.throttle
        Task.detached(priority: .background) {
            var refusals: UInt64 = 0
            while true {
                try? await Task.sleep(for: .seconds(60))
                do { try controlPlane.expireTerminatedInstances() } catch {
                    logger.error("expiring terminated instances failed: \(error)")
                }
                let now = throttle.unauthenticatedRefusals
                if now > refusals {
                    logger.warning("\(now - refusals) calls that failed authentication were refused unrecorded in the last minute (over their source's rate)")
                    refusals = now
                }
            }
        }
        let (host, port) = try options.hostAndPort()
        let router = APIServer.router(service: service, enableReset: options.enableReset, logger: logger, agent: agent,
                                      flowLogDelivery: delivery)
        logger.notice("EC2 endpoint http://\(options.listen) (data in \(options.dataDir))")
        if options.answerTimeout <= 60 {
            logger.warning("--answer-timeout \(options.answerTimeout) s is not above the agents' long-poll (25 s, at most 60): their feed requests may be cut off")
        }
        let limiter = ConnectionLimiter(total: Self.connectionLimit(options.maxConnections, logger: logger),
                                        perSource: options.maxConnectionsPerSource)
        let server = APIServer.http1(service: service, logger: logger, limiter: limiter,
                                     answerTimeout: .seconds(Int64(options.answerTimeout)))
        let app = Application(router: router, server: server,
                              configuration: .init(address: .hostname(host, port: port)), logger: logger)
        return (app, agent)
    }

    /// `wanted` connections, or fewer if the open-file limit (raised to its hard maximum
    /// first) leaves less than 256 descriptors beside them for the store, the trail and logs.
    static func connectionLimit(_ wanted: Int, logger: Logger) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return wanted }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let room = Int(clamping: limit.rlim_cur) - 256
        guard room < wanted else { return wanted }
        logger.notice("open-file limit \(limit.rlim_cur): at most \(max(room, 1)) connections")
        return max(room, 1)
    }
}
