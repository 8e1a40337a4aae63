public import Hummingbird
public import HummingbirdCore
public import Logging
import NIOCore
import HTTPTypes
import VPCControlPlane
import VPCModel
import Foundation

/// Request context that remembers the caller's address (for the audit trail).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// EC2 requests are small; 1 MiB is plenty and bounds memory per request.
    public var maxUploadSize: Int { Self.maxBody }
    static let maxBody = 1 << 20
}

/// The HTTP front: routes `/` to the EC2 endpoint, `/_vpc/agent/flow-records` to flow-log
/// delivery and, when enabled, `/_vpc/reset`.
public enum APIServer {
    static let requestIdHeader = HTTPField.Name("x-amzn-RequestId")!

    /// HTTP/1.1 with EC2 calls that do not wait for the disk answered on the
    /// event loop (`InlineReadHandler`); everything else goes to the router. Connections
    /// over `limiter`'s limits are closed unread; one unanswered for `answerTimeout` is closed.
    public static func http1(service: EC2Service, logger: Logger, limiter: ConnectionLimiter,
                             answerTimeout: TimeAmount = .seconds(90)) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            InlineReadChannel(router: HTTP1Channel(responder: responder), limiter: limiter, answerTimeout: answerTimeout) {
                InlineReadHandler(service: service, logger: logger, maxBody: APIRequestContext.maxBody)
            }
        }
    }

    public static func router(service: EC2Service, enableReset: Bool, logger: Logger,
                              agent: AgentService? = nil, flowLogDelivery: FlowLogDelivery? = nil) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        let handler: @Sendable (Request, APIRequestContext) async throws -> Response = { request, context in
            let started = ContinuousClock.now
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            // HTTPTypes moves Host into the :authority pseudo-header; SigV4 signs it as `host`.
            var headers: [(name: String, value: String)] = request.head.authority.map { [("host", $0)] } ?? []
            for field in request.headers { headers.append((field.name.rawName, field.value)) }
            let apiRequest = APIRequest(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                headers: headers, body: Array(buffer: body), sourceIP: context.remoteAddress)
            let response = service.handle(apiRequest)
            let elapsed = ContinuousClock.now - started
            let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
            logger.info("\(apiRequest.method) \(response.action ?? "-") account=\(response.account ?? "-") status=\(response.status) \(micros)us")
            return Response(
                status: .init(code: response.status),
                headers: [.contentType: response.contentType, requestIdHeader: response.requestId],
                body: .init(byteBuffer: ByteBuffer(bytes: response.body)))
        }
        router.post("/", use: handler)
        router.get("/", use: handler)
        if let agent {
            // The mapping service: a thin route; AgentService does the rest.
            let agentHandler: @Sendable (Request, APIRequestContext) async throws -> Response = { request, _ in
                let started = ContinuousClock.now
                // No body (up to 16 MiB) is read for a caller that is not an agent.
                guard agent.authorizes(request.headers[.authorization]) else { return Response(status: .unauthorized) }
                // A status report carries up to 64 KiB of console per instance.
                let body = try await request.body.collect(upTo: 16 << 20)
                let headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
                let answer = await agent.handle(method: request.method.rawValue, path: request.uri.path,
                                                query: request.uri.query ?? "", headers: headers, body: Array(buffer: body))
                let elapsed = ContinuousClock.now - started
                let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
                logger.info("\(request.method.rawValue) \(request.uri.path) status=\(answer.status) \(micros)us")
                return Response(status: .init(code: answer.status), headers: [.contentType: answer.contentType],
                                body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
            }
            for call in ["register", "status"] { router.post("/_vpc/agent/\(call)", use: agentHandler) }
            for call in ["feed", "lookup", "enforcement"] { router.get("/_vpc/agent/\(call)", use: agentHandler) }
        }
        if let flowLogDelivery {
            router.post("/_vpc/agent/flow-records") { request, _ -> Response in
                guard flowLogDelivery.authorizes(request.headers[.authorization]) else { return Response(status: .unauthorized) }
                // A busy host's interval: up to 16 MiB (tens of thousands of records) per batch.
                let body = try await request.body.collect(upTo: 16 << 20)
                let (status, answer, result) = flowLogDelivery.handle(authorization: request.headers[.authorization],
                                                                      body: Array(buffer: body))
                // Dropped records (deleted flow log, traffic type, unparsable) and failed windows (a
                // destination that cannot be written) are counted here.
                let summary = result.map { " stored=\($0.stored) dropped=\($0.dropped) failed=\($0.failed) duplicate=\($0.duplicate)" } ?? ""
                logger.info("POST /_vpc/agent/flow-records status=\(status)\(summary)")
                return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(bytes: answer)))
            }
        }
        if enableReset {
            router.post("/_vpc/reset") { _, _ -> Response in
                try service.controlPlane.reset()
                logger.info("POST /_vpc/reset status=200")
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "{\"reset\":true}\n")))
            }
        }
        return router
    }
}
