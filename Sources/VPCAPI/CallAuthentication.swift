import EC2Query
import VPCStore

/// Why a call did not authenticate. Each protocol answers these with its own error.
enum AuthenticationFailure: Error {
    /// The signature did not verify (malformed, expired, or wrong).
    case unverified(SigV4Error)
    /// It verified, but for another service, with a session token (this server issues
    /// none), or with a key this server does not know.
    case unknownKey
    /// Either of those, past the source's rate for failed calls: answered as throttled
    /// and not recorded (`Throttle.admitUnauthenticated`).
    case throttled
}

extension EC2Service {
    /// Verifies the call's SigV4 signature for `service` and finds its access key, noting
    /// the verified caller in `call` for the record.
    func authenticate(_ request: APIRequest, service: String, call: inout CallAudit)
        -> Result<(identity: SigV4Identity, key: AccessKey), AuthenticationFailure> {
        let failure: AuthenticationFailure
        do {
            let identity = try verifier.verify(
                SigV4Request(method: request.method, path: request.path, query: request.query,
                             headers: request.headers, body: request.body),
                now: clock())
            let key = call.identify(identity)
            if identity.service == service, identity.sessionToken == nil, let key {
                return .success((identity, key))
            }
            failure = .unknownKey
        } catch {
            failure = .unverified(error)
        }
        return throttle.admitUnauthenticated(source: request.sourceIP, now: clock()) ? .failure(failure) : .failure(.throttled)
    }
}
