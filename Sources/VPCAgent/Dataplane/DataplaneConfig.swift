/// Everything the data-plane thread installs, as of one feed version: the local ports
/// with their TAP descriptors, and every mapping entry of the VPCs they are in.
public struct DataplaneConfig: Sendable {
    public struct Port: Sendable {
        public var compiled: CompiledPort
        /// The TAP descriptor; owned by the agent, which closes it only after the data
        /// plane has applied a configuration without this port.
        public var tapFD: Int32
        /// The descriptor was opened with IFF_VNET_HDR (offloads on).
        public var vnetHeader: Bool

        public init(compiled: CompiledPort, tapFD: Int32, vnetHeader: Bool = false) {
            self.compiled = compiled; self.tapFD = tapFD; self.vnetHeader = vnetHeader
        }
    }

    public var version: UInt64
    public var ports: [Port]
    public var mappings: [CompiledMapping]

    public init(version: UInt64, ports: [Port], mappings: [CompiledMapping]) {
        self.version = version; self.ports = ports; self.mappings = mappings
    }
}
