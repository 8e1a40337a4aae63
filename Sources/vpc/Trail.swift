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

        @Option(help: ArgumentHelp(
            "The trail's public key (PEM), a copy kept where whoever can write the data directory cannot.",
            discussion: "Default: the data directory's own, which such a writer could replace with a key of theirs."))
        var publicKey: String?

        @Option(help: ArgumentHelp(
            "A copy of HEAD (<data-dir>/trail/HEAD) kept elsewhere, to check the store against.",
            discussion: "Default: the data directory's own."))
        var head: String?

        func run() throws {
            let keyPath = publicKey ?? TrailSigningKey.publicPath(dataDir)
            let pem: String
            do {
                pem = try String(contentsOfFile: keyPath, encoding: .utf8)
            } catch {
                print("no trail public key at \(keyPath)")
                throw ExitCode(1)
            }
            let key = try _RSA.Signing.PublicKey(pemRepresentation: pem)
            let verifier = TrailVerifier(
                store: try DataDirectory.openStore(dataDir), publicKey: key, trailDirectory: DataDirectory.trailPath(dataDir),
                layout: TrailLayout(ownerAccount: DataDirectory.defaultAccount), headPath: head)
            let report = try verifier.verify()
            for p in report.problems { print(p) }
            guard report.problems.isEmpty else { throw ExitCode(1) }
            print("verified \(report.records) records, \(report.digests) digests, key fingerprint \(TrailSigningKey.fingerprint(key))")
        }
    }
}
