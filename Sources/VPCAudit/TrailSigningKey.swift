public import _CryptoExtras
import Crypto
import Foundation

/// The RSA key that signs digests (SHA256withRSA, PKCS#1 v1.5): 2048 bits,
/// generated at first start as `<dir>/trail-signing-key.pem` (0600), its public
/// half exported as `<dir>/trail-signing-key.pub.pem`.
public struct TrailSigningKey: Sendable {
    public let privateKey: _RSA.Signing.PrivateKey

    public static func privatePath(_ dir: String) -> String { (dir as NSString).appendingPathComponent("trail-signing-key.pem") }
    public static func publicPath(_ dir: String) -> String { (dir as NSString).appendingPathComponent("trail-signing-key.pub.pem") }

    public init(privateKey: _RSA.Signing.PrivateKey) { self.privateKey = privateKey }

    /// Loads the key in `dir`, creating it on first use.
    public static func loadOrCreate(in dir: String) throws -> TrailSigningKey {
        let path = privatePath(dir)
        if let pem = try? String(contentsOfFile: path, encoding: .utf8) {
            return TrailSigningKey(privateKey: try _RSA.Signing.PrivateKey(pemRepresentation: pem))
        }
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        guard FileManager.default.createFile(atPath: path, contents: Data(key.pemRepresentation.utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        try Data(key.publicKey.pemRepresentation.utf8).write(to: URL(fileURLWithPath: publicPath(dir)), options: .atomic)
        return TrailSigningKey(privateKey: key)
    }

    public var fingerprint: String { Self.fingerprint(privateKey.publicKey) }

    /// Hex MD5 of the public key's DER, as CloudTrail's digestPublicKeyFingerprint.
    public static func fingerprint(_ key: _RSA.Signing.PublicKey) -> String {
        Hex.encode(Insecure.MD5.hash(data: key.derRepresentation))
    }

    public func sign(_ message: [UInt8]) throws -> String {
        Hex.encode(try privateKey.signature(for: message, padding: .insecurePKCS1v1_5).rawRepresentation)
    }

    public static func isValid(signature hex: String, message: [UInt8], key: _RSA.Signing.PublicKey) -> Bool {
        guard let raw = Hex.decode(hex) else { return false }
        return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: raw), for: message,
                                    padding: .insecurePKCS1v1_5)
    }
}
