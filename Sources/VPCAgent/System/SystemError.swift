#if canImport(Glibc)
import Glibc
#endif

/// A failed OS call: which one, and errno.
public struct SystemError: Error, CustomStringConvertible, Equatable {
    public var call: String
    public var errno: Int32

    public init(_ call: String, errno: Int32) { self.call = call; self.errno = errno }

    /// From a shim return value (`-errno`).
    static func check(_ call: String, _ rc: Int32) throws(SystemError) -> Int32 {
        if rc < 0 { throw SystemError(call, errno: -rc) }
        return rc
    }

    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// An external command that exited non-zero.
public struct CommandError: Error, CustomStringConvertible {
    public var command: [String]
    public var status: Int32
    public var output: String
    public var description: String { "\(command.joined(separator: " ")) exited \(status): \(output)" }
}
