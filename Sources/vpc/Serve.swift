import ArgumentParser
import Foundation
import Hummingbird
import Logging
import VPCAPI
import VPCControlPlane

/// `vpc serve`: the EC2-compatible API server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the EC2-compatible API server.")

    @OptionGroup var options: ServerOptions

    func run() async throws {
        var logger = Logger(label: "vpc")
        logger.logLevel = .info
        let app = try makeApplication(logger: logger)
        try await app.runService()  // stops cleanly on SIGINT and SIGTERM
    }

    func makeApplication(logger: Logger) throws -> some ApplicationProtocol {
        let store = try DataDirectory.openStore(options.dataDir)
        let credentials = try Credentials(store: store)
        for key in try options.accessKeys() { try credentials.provision(key) }
        if let path = try DataDirectory.ensureCredentials(credentials, dir: options.dataDir) {
            logger.notice("created an access key for account \(DataDirectory.defaultAccount); it is in \(path)")
        }
        let controlPlane = try ControlPlane(store: store, options: options.controlPlaneOptions())
        let service = EC2Service(controlPlane: controlPlane, credentials: credentials,
                                 maxClockSkew: options.maxClockSkew,
                                 throttle: Throttle(limits: try options.throttleLimits()))
        let (host, port) = try options.hostAndPort()
        let router = APIServer.router(service: service, enableReset: options.enableReset, logger: logger)
        logger.notice("EC2 endpoint http://\(options.listen) (data in \(options.dataDir))")
        return Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
    }
}
