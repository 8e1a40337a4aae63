/// A TCP header with the options a middlebox cares about (RFC 9293 §3.2):
/// MSS (kind 2), window scale (3, RFC 7323), SACK-permitted (4, RFC 2018), timestamps (8, RFC 7323).
/// Other options are skipped on parse and not emitted.
public struct TCPRepr: Hashable, Sendable {
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    public var sequenceNumber: UInt32
    public var acknowledgmentNumber: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    public var urgentPointer: UInt16
    public var maximumSegmentSize: UInt16?
    public var windowScale: UInt8?
    public var sackPermitted: Bool
    public var timestamp: TCPTimestamp?
    public var payloadLength: Int

    @inlinable
    public init(sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32, acknowledgmentNumber: UInt32 = 0,
                flags: TCPFlags, window: UInt16, urgentPointer: UInt16 = 0, maximumSegmentSize: UInt16? = nil,
                windowScale: UInt8? = nil, sackPermitted: Bool = false, timestamp: TCPTimestamp? = nil,
                payloadLength: Int = 0) {
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.sequenceNumber = sequenceNumber
        self.acknowledgmentNumber = acknowledgmentNumber
        self.flags = flags
        self.window = window
        self.urgentPointer = urgentPointer
        self.maximumSegmentSize = maximumSegmentSize
        self.windowScale = windowScale
        self.sackPermitted = sackPermitted
        self.timestamp = timestamp
        self.payloadLength = payloadLength
    }

    /// Reads a checked segment, walking its options; verifies the checksum when a
    /// pseudo-header sum is given. Malformed option lengths are `.malformed`.
    @inlinable
    public init(_ s: TCPSegment, pseudoHeaderSum: UInt64? = nil) throws(WireError) {
        if let pseudoHeaderSum, !s.verifyChecksum(pseudoHeaderSum: pseudoHeaderSum) {
            throw WireError(.badChecksum, .tcp)
        }
        self.init(sourcePort: s.sourcePort, destinationPort: s.destinationPort, sequenceNumber: s.sequenceNumber,
                  acknowledgmentNumber: s.acknowledgmentNumber, flags: s.flags, window: s.window,
                  urgentPointer: s.urgentPointer, payloadLength: s.bytes.count - s.headerLength)
        let o = s.options
        var i = 0
        while i < o.count {
            let kind = o._u8(i)
            if kind == 0 { break }          // End of option list
            if kind == 1 { i += 1; continue } // NOP
            guard i + 2 <= o.count else { throw WireError(.malformed, .tcp) }
            let len = Int(o._u8(i + 1))
            guard len >= 2, i + len <= o.count else { throw WireError(.malformed, .tcp) }
            switch (kind, len) {
            case (2, 4): maximumSegmentSize = o._u16(i + 2)
            case (3, 3): windowScale = o._u8(i + 2)
            case (4, 2): sackPermitted = true
            case (8, 10): timestamp = TCPTimestamp(value: o._u32(i + 2), echo: o._u32(i + 6))
            case (2, _), (3, _), (4, _), (8, _): throw WireError(.malformed, .tcp)
            default: break
            }
            i += len
        }
    }

    @inlinable
    public static func parse(_ bytes: UnsafeRawBufferPointer, pseudoHeaderSum: UInt64? = nil) throws(WireError) -> TCPRepr {
        try TCPRepr(try TCPSegment(checking: bytes), pseudoHeaderSum: pseudoHeaderSum)
    }

    /// Header length including options. Options are laid out as Linux does
    /// (`tcp_options_write`), so every option group is 4-byte aligned.
    @inlinable public var headerLength: Int {
        var n = 20
        if maximumSegmentSize != nil { n += 4 }
        if sackPermitted || timestamp != nil { n += timestamp == nil ? 4 : 12 }
        if windowScale != nil { n += 4 }
        return n
    }

    /// Writes the header and options. If `pseudoHeaderSum` is given, the payload must
    /// already sit at `b[headerLength...]` and the checksum is filled.
    @inlinable
    public func emit(into b: UnsafeMutableRawBufferPointer, pseudoHeaderSum: UInt64?) throws(WireError) -> Int {
        let hl = headerLength
        guard b.count >= hl + payloadLength else { throw WireError(.truncated, .tcp) }
        b._set16(0, sourcePort)
        b._set16(2, destinationPort)
        b._set32(4, sequenceNumber)
        b._set32(8, acknowledgmentNumber)
        b._set16(12, UInt16(hl / 4) << 12 | (flags.rawValue & 0x01FF))
        b._set16(14, window)
        b._set16(16, 0)
        b._set16(18, urgentPointer)
        var i = 20
        if let mss = maximumSegmentSize { b._set8(i, 2); b._set8(i + 1, 4); b._set16(i + 2, mss); i += 4 }
        if let ts = timestamp {
            if sackPermitted { b._set8(i, 4); b._set8(i + 1, 2) } else { b._set8(i, 1); b._set8(i + 1, 1) }
            b._set8(i + 2, 8); b._set8(i + 3, 10); b._set32(i + 4, ts.value); b._set32(i + 8, ts.echo)
            i += 12
        } else if sackPermitted {
            b._set8(i, 1); b._set8(i + 1, 1); b._set8(i + 2, 4); b._set8(i + 3, 2)
            i += 4
        }
        if let ws = windowScale { b._set8(i, 1); b._set8(i + 1, 3); b._set8(i + 2, 3); b._set8(i + 3, ws); i += 4 }
        if let pseudoHeaderSum {
            TCPSegment(unchecked: b._readOnly._slice(0, hl + payloadLength)).fillChecksum(pseudoHeaderSum: pseudoHeaderSum)
        }
        return hl
    }
}

/// The TCP timestamps option (RFC 7323 §3).
public struct TCPTimestamp: Hashable, Sendable {
    public var value: UInt32
    public var echo: UInt32
    @inlinable public init(value: UInt32, echo: UInt32) { self.value = value; self.echo = echo }
}
