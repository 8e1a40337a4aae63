import ArgumentParser
import Foundation
import VPCAgent

/// `vpc exec <instance-id> -- CMD...`: runs a command inside an instance's namespace.
struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command inside an instance's network namespace (needs root).")

    @Argument(help: "The instance id (i-…).")
    var instanceId: String

    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func run() throws {
        guard !command.isEmpty else { throw ValidationError("give the command after --") }
        let ns = NetworkNamespace(instanceId: instanceId)
        guard ns.exists else {
            FileHandle.standardError.write(Data("no namespace \(ns.name) on this machine (is \(instanceId) running here?)\n".utf8))
            throw ExitCode(1)
        }
        // ip netns exec also mounts /etc/netns/<name>/resolv.conf over /etc/resolv.conf.
        let argv = ["ip", "netns", "exec", ns.name] + command
        let cargs = argv.map { strdup($0) } + [nil]
        execvp("ip", cargs)
        FileHandle.standardError.write(Data("exec ip: \(String(cString: strerror(errno)))\n".utf8))
        throw ExitCode(127)
    }
}
