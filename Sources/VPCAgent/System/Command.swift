import Foundation

/// Runs system tools (`ip`) to completion. Only for configuration, never per packet.
enum Command {
    /// Runs `arguments` (the first found on PATH) and returns its standard output;
    /// throws `CommandError` with standard error on a non-zero exit.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try path(of: arguments[0]))
        p.arguments = Array(arguments.dropFirst())
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw CommandError(command: arguments, status: p.terminationStatus, output: String(decoding: e, as: UTF8.self))
        }
        return String(decoding: o, as: UTF8.self)
    }

    /// The absolute path of `tool` on PATH (plus the sbin directories `ip` lives in).
    static func path(of tool: String) throws -> String {
        if tool.hasPrefix("/") { return tool }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for d in dirs where FileManager.default.isExecutableFile(atPath: "\(d)/\(tool)") { return "\(d)/\(tool)" }
        throw CommandError(command: [tool], status: 127, output: "not found on PATH")
    }
}
