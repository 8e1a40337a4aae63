/// A digest file in CloudTrail's layout, plus `vpcChain` (the record range it
/// covers and the chain hash of its last record, binding digests to the chain).
/// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html
public struct DigestFile: Codable, Sendable, Equatable {
    public struct LogFile: Codable, Sendable, Equatable {
        public var s3Bucket: String
        public var s3Object: String
        public var hashValue: String
        public var hashAlgorithm: String
        public var newestEventTime: String
        public var oldestEventTime: String
    }

    public struct Chain: Codable, Sendable, Equatable {
        public var firstSequence: Int64
        public var lastSequence: Int64
        public var lastRecordHash: String
    }

    public var awsAccountId: String
    public var digestStartTime: String
    public var digestEndTime: String
    public var digestS3Bucket: String
    public var digestS3Object: String
    public var digestPublicKeyFingerprint: String
    public var digestSignatureAlgorithm: String
    public var newestEventTime: String?
    public var oldestEventTime: String?
    public var previousDigestS3Bucket: String?
    public var previousDigestS3Object: String?
    public var previousDigestHashValue: String?
    public var previousDigestHashAlgorithm: String?
    public var previousDigestSignature: String?
    public var logFiles: [LogFile]
    public var vpcChain: Chain

    /// The canonical bytes (sorted keys), which the signature covers by hash.
    public var bytes: [UInt8] {
        func opt(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        return JSONValue.object([
            "awsAccountId": .string(awsAccountId), "digestStartTime": .string(digestStartTime),
            "digestEndTime": .string(digestEndTime), "digestS3Bucket": .string(digestS3Bucket),
            "digestS3Object": .string(digestS3Object),
            "digestPublicKeyFingerprint": .string(digestPublicKeyFingerprint),
            "digestSignatureAlgorithm": .string(digestSignatureAlgorithm),
            "newestEventTime": opt(newestEventTime), "oldestEventTime": opt(oldestEventTime),
            "previousDigestS3Bucket": opt(previousDigestS3Bucket), "previousDigestS3Object": opt(previousDigestS3Object),
            "previousDigestHashValue": opt(previousDigestHashValue),
            "previousDigestHashAlgorithm": opt(previousDigestHashAlgorithm),
            "previousDigestSignature": opt(previousDigestSignature),
            "logFiles": .array(logFiles.map {
                .object(["s3Bucket": .string($0.s3Bucket), "s3Object": .string($0.s3Object),
                         "hashValue": .string($0.hashValue), "hashAlgorithm": .string($0.hashAlgorithm),
                         "newestEventTime": .string($0.newestEventTime), "oldestEventTime": .string($0.oldestEventTime)])
            }),
            "vpcChain": .object(["firstSequence": .number(Double(vpcChain.firstSequence)),
                                 "lastSequence": .number(Double(vpcChain.lastSequence)),
                                 "lastRecordHash": .string(vpcChain.lastRecordHash)]),
        ]).bytes
    }

    /// CloudTrail's data-signing string:
    /// `digestEndTime\nbucket/key\nhex(sha256(digest))\npreviousDigestSignature`.
    public static func signingString(endTime: String, bucket: String, key: String, digestBytes: [UInt8],
                                     previousSignature: String?) -> [UInt8] {
        Array("\(endTime)\n\(bucket)/\(key)\n\(Hex.sha256(digestBytes))\n\(previousSignature ?? "null")".utf8)
    }
}
