import ArgumentParser
import Foundation
import VPCAudit
import _CryptoExtras

/// `vpc trail`: the audit trail's operator commands.
struct Trail: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Audit-trail commands.", subcommands: [Verify.self])

    /// `vpc trail verify`: checks the record chain, digest signatures and chain, and HEAD.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the audit trail: record chain, digest signatures, log-file hashes, digest chain, HEAD.")

        @Option(help: "The server's data directory.")
        var dataDir = DataDirectory.defaultPath

        func run() throws {
            let pem: String
            do {
                pem = try String(contentsOfFile: TrailSigningKey.publicPath(dataDir), encoding: .utf8)
            } catch {
                print("no trail public key at \(TrailSigningKey.publicPath(dataDir))")
                throw ExitCode(1)
            }
            let verifier = TrailVerifier(
                store: try DataDirectory.openStore(dataDir), publicKey: try _RSA.Signing.PublicKey(pemRepresentation: pem),
                trailDirectory: DataDirectory.trailPath(dataDir), layout: TrailLayout(ownerAccount: DataDirectory.defaultAccount))
            let report = try verifier.verify()
            for p in report.problems { print(p) }
            guard report.problems.isEmpty else { throw ExitCode(1) }
            print("verified \(report.records) records, \(report.digests) digests")
        }
    }
}
