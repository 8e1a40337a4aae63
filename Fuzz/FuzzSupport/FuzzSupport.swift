// Shared driver for the libFuzzer harnesses. Built with `-DFUZZING` and
// `-sanitize=fuzzer,address` (see Fuzz/run.sh) it hands control to libFuzzer;
// in an ordinary build it replays the files named on the command line once
// each, so crash reproducers can be run under the debugger without libFuzzer.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzCallback
) -> CInt
#endif

/// Entry point for a harness's `@main`: runs libFuzzer or replays files, then exits.
public func fuzzMain(_ callback: FuzzCallback) -> Never {
    exit(runFuzzer(CommandLine.argc, CommandLine.unsafeArgv, callback))
}

/// Runs libFuzzer (fuzz build) or replays the argument files (ordinary build).
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ callback: FuzzCallback) -> CInt {
    #if FUZZING
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v, callback)
    #else
    guard let argv else { return 0 }
    var i = 1
    while i < Int(argc) {
        if let path = argv[i], let f = fopen(path, "rb") {
            var bytes: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = fread(&buf, 1, buf.count, f)
                if n <= 0 { break }
                bytes += buf[0..<n]
            }
            fclose(f)
            _ = bytes.withUnsafeBufferPointer { callback($0.baseAddress, $0.count) }
            print("replayed \(String(cString: path)) (\(bytes.count) bytes)")
        }
        i += 1
    }
    return 0
    #endif
}

/// Runs `body` on a copy of the input in a fresh, exactly sized allocation so
/// AddressSanitizer catches any read past the end, and so in-place writers may mutate it.
@inline(__always)
public func withFuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int, _ body: (UnsafeMutableRawBufferPointer) -> Void) {
    let m = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 1)
    defer { m.deallocate() }
    if size > 0, let data { m.copyMemory(from: UnsafeRawBufferPointer(start: data, count: size)) }
    body(m)
}

/// Traps when a round-trip invariant fails, so libFuzzer records it as a crash.
@inline(__always)
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: StaticString) {
    if !condition() { fatalError("fuzz invariant failed: \(message)") }
}
