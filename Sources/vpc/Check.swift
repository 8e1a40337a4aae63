import ArgumentParser
import VPCControlPlane
import VPCModel

/// `vpc check`: verifies the store's invariants (used after crashes and in tests).
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that the stored state is consistent (references resolve, no address held twice).")

    @Option(help: "The server's data directory.")
    var dataDir = DataDirectory.defaultPath

    func run() throws {
        let controlPlane = try ControlPlane(store: try DataDirectory.openStore(dataDir))
        let regions = controlPlane.snapshot()
        let problems = ConsistencyCheck.problems(in: regions)
        for p in problems { print(p) }
        guard problems.isEmpty else { throw ExitCode(1) }
        print("consistent: \(regions.count) account-regions, \(regions.reduce(0) { $0 + $1.vpcs.count }) VPCs")
    }
}
