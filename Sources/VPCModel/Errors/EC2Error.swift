/// An error the API answers with: the EC2 error code, its message and HTTP status.
public struct EC2Error: Error, Equatable, Sendable {
    public var code: String
    public var message: String
    public var httpStatus: Int

    public init(_ code: String, _ message: String, httpStatus: Int = 400) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
    }

    public static func invalidParameterValue(_ message: String) -> EC2Error {
        EC2Error("InvalidParameterValue", message)
    }

    public static func missingParameter(_ name: String) -> EC2Error {
        EC2Error("MissingParameter", "The request must contain the parameter \(name)")
    }

    public static func notFound(_ code: String, _ id: String, _ noun: String) -> EC2Error {
        EC2Error(code, "The \(noun) '\(id)' does not exist")
    }

    public static func dependencyViolation(_ message: String) -> EC2Error {
        EC2Error("DependencyViolation", message)
    }

    public static let dryRun = EC2Error(
        "DryRunOperation", "Request would have succeeded, but DryRun flag is set.", httpStatus: 412)

    public static func idempotentParameterMismatch(_ token: String) -> EC2Error {
        EC2Error("IdempotentParameterMismatch",
                 "Client token '\(token)' was used with different parameters in a previous request.")
    }

    public static let throttled = EC2Error("RequestLimitExceeded", "Request limit exceeded.", httpStatus: 503)

    public static func `internal`(_ message: String = "An internal error has occurred") -> EC2Error {
        EC2Error("InternalError", message, httpStatus: 500)
    }
}
