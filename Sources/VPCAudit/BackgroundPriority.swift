#if canImport(Glibc)
import Glibc
#endif

/// The trail's background threads yield the CPU to request handling: on a
/// busy machine, encoding a batch of records must not delay API calls.
enum BackgroundPriority {
    /// Raises the calling thread's nice value (on Linux, `who` 0 means the calling thread).
    static func lower() {
        #if canImport(Glibc)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
        #endif
    }
}
