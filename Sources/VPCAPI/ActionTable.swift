public import EC2Shapes
public import VPCControlPlane
public import VPCModel
public import VPCStore
import Synchronization

/// Who is calling and where: what every action needs besides its parameters.
public struct CallContext: Sendable {
    public var account: String
    public var region: String
    /// The request's parameters in canonical order (sorted `name=value`, without
    /// ClientToken and DryRun), compared when a ClientToken is reused.
    public var canonicalParameters: String
    /// Makes the call's audit record from a write's XML result; it is committed
    /// in the write's transaction.
    public var audit: (@Sendable ([UInt8]) -> AuditEvent)?
    /// Where a write that changed something leaves its version.
    public let receipt = WriteReceipt()

    public init(account: String, region: String, canonicalParameters: String,
                audit: (@Sendable ([UInt8]) -> AuditEvent)? = nil) {
        self.account = account
        self.region = region
        self.canonicalParameters = canonicalParameters
        self.audit = audit
    }
}

/// The control-plane version a write committed at (nil: it changed nothing).
public final class WriteReceipt: Sendable {
    private let committed = Mutex<UInt64?>(nil)
    public init() {}
    public var version: UInt64? { committed.withLock { $0 } }
    func record(_ version: UInt64) { committed.withLock { $0 = version } }
}

/// The kind of an action, for throttling: AWS meters these buckets separately.
public enum ActionCategory: Sendable, Hashable {
    case describe, mutating, securityGroupRules
}

/// Maps an action name to its decoder, its control-plane function and its
/// encoder. DryRun and ClientToken are handled here, once for every action.
public struct ActionTable: Sendable {
    public struct Entry: Sendable {
        public var category: ActionCategory
        /// Decodes, runs and encodes: returns the result's XML elements.
        var run: @Sendable (QueryNode, CallContext, ControlPlane, ReadCache) throws -> [UInt8]
    }

    public private(set) var entries: [String: Entry] = [:]

    public init() {}

    public func entry(_ action: String) -> Entry? { entries[action] }

    /// Registers a read: runs on a snapshot of the caller's region.
    public mutating func read<R: EC2Request, O: XMLEncodable>(
        _: R.Type, _ op: @escaping @Sendable (RegionState, R) throws -> O
    ) {
        entries[R.action] = Self.readEntry(R.self, needsSilentHosts: false) { state, request, _ in try op(state, request) }
    }

    /// Registers a read whose answer also depends on which hosts' agents have gone silent
    /// (`ControlPlane.silentHosts`): status checks.
    public mutating func readWithSilentHosts<R: EC2Request, O: XMLEncodable>(
        _: R.Type, _ op: @escaping @Sendable (RegionState, R, Set<String>) throws -> O
    ) {
        entries[R.action] = Self.readEntry(R.self, needsSilentHosts: true, op)
    }

    /// A read's entry. Its answer is cached per region version and, when it depends on
    /// them, per set of silent hosts.
    static func readEntry<R: EC2Request, O: XMLEncodable>(
        _: R.Type, needsSilentHosts: Bool, _ op: @escaping @Sendable (RegionState, R, Set<String>) throws -> O
    ) -> Entry {
        Entry(category: .describe) { node, call, cp, cache in
            let request = try Self.decode(R.self, node)
            let silent = needsSilentHosts ? cp.silentHosts() : []
            var parameters = call.canonicalParameters
            if !silent.isEmpty { parameters += "\u{0}silent=" + silent.sorted().joined(separator: ",") }
            let key = ReadCache.Key(account: call.account, region: call.region, action: R.action, parameters: parameters)
            let bytes = try cp.read(account: call.account, region: call.region) { state -> [UInt8] in
                if let hit = cache.lookup(key, version: state.version) { return hit }
                var xml = XMLWriter()
                try op(state, request, silent).encode(to: &xml)
                cache.store(key, version: state.version, bytes: xml.bytes)
                return xml.bytes
            }
            if request.isDryRun { throw EC2Error.dryRun }
            return bytes
        }
    }

    /// Registers a write that answers with the model's output shape.
    public mutating func write<R: EC2Request, O: XMLEncodable>(
        _: R.Type, _ category: ActionCategory = .mutating,
        _ op: @escaping @Sendable (inout Transaction, R) throws -> O
    ) {
        entries[R.action] = Entry(category: category) { node, call, cp, _ in
            try Self.runWrite(R.self, node, call, cp) { tx, request in
                var xml = XMLWriter()
                try op(&tx, request).encode(to: &xml)
                return xml.bytes
            }
        }
    }

    /// Registers a write whose model has no output: it answers `<return>true</return>`.
    public mutating func write<R: EC2Request>(
        _: R.Type, _ category: ActionCategory = .mutating,
        _ op: @escaping @Sendable (inout Transaction, R) throws -> Void
    ) {
        entries[R.action] = Entry(category: category) { node, call, cp, _ in
            try Self.runWrite(R.self, node, call, cp) { tx, request in
                try op(&tx, request)
                return Array("<return>true</return>".utf8)
            }
        }
    }

    static func decode<R: EC2Request>(_: R.Type, _ node: QueryNode) throws -> R {
        let request: R
        do {
            request = try R(query: node)
        } catch {
            throw EC2Error(error.code, error.message)
        }
        if let unknown = node.unvisitedKeys().first {
            throw EC2Error("UnknownParameter", "The parameter \(unknown) is not recognized")
        }
        return request
    }

    /// A write in one transaction. DryRun runs it and rolls it back; a ClientToken
    /// already seen returns the stored answer, stored in the same transaction as the change.
    static func runWrite<R: EC2Request>(
        _: R.Type, _ node: QueryNode, _ call: CallContext, _ cp: ControlPlane,
        _ body: (inout Transaction, R) throws -> [UInt8]
    ) throws -> [UInt8] {
        let request = try decode(R.self, node)
        if let token = request.idempotencyToken {
            guard !token.isEmpty, token.utf8.count <= 64, token.allSatisfy(\.isASCII) else {
                throw EC2Error("InvalidParameterValue", "Value (\(token)) for parameter clientToken is invalid. It must be 1 to 64 ASCII characters.")
            }
        }
        return try cp.write(account: call.account, region: call.region,
                            events: { response in call.audit.map { [$0(response)] } ?? [] },
                            committed: call.receipt.record) { tx in
            if request.isDryRun {
                _ = try body(&tx, request)
                throw EC2Error.dryRun  // rolls the transaction back
            }
            guard let token = request.idempotencyToken else { return try body(&tx, request) }
            let key = R.action + ":" + token
            if let seen = tx.state.clientTokens[key] {
                guard seen.parameters == call.canonicalParameters else {
                    throw EC2Error.idempotentParameterMismatch(token)
                }
                return seen.response
            }
            let response = try body(&tx, request)
            tx.state.clientTokens[key] = ClientTokenRecord(
                action: R.action, parameters: call.canonicalParameters, response: response)
            return response
        }
    }
}
