#if canImport(Glibc)
import Glibc
#endif

/// The trail's background threads yield the CPU to request handling: on a
/// busy machine, encoding a batch of records must not delay API calls.
enum BackgroundPriority {
    /// Sets the calling thread's nice value to 19, the lowest priority short of
    /// SCHED_IDLE (on Linux, `who` 0 means the calling thread). Measured at 8
    /// and 32 connections, DescribeVpcs p99 fell from 2.5 and 5.3 ms at nice 10
    /// to 1.2 and 4.5 ms (BENCHMARKS.md); SCHED_IDLE starves the trail while the
    /// machine is busy and an unprivileged thread cannot leave it.
    static func lower() {
        #if canImport(Glibc)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        #endif
    }
}
