/// Namespace of the EC2 API shapes generated from botocore's model.
public enum EC2 {
    /// The XML namespace of every EC2 response.
    public static let xmlNamespace = "http://ec2.amazonaws.com/doc/2016-11-15/"
    /// The API version clients send.
    public static let apiVersion = "2016-11-15"
}

/// A top-level EC2 request: knows its action and the generic parameters the
/// server handles for every action (DryRun, ClientToken).
public protocol EC2Request: QueryDecodable, Sendable, Equatable {
    static var action: String { get }
    var isDryRun: Bool { get }
    var idempotencyToken: String? { get }
}
