import CVPCLinux
#if canImport(Glibc)
import Glibc
#endif

/// How the trail's background threads set themselves up: a name the kernel
/// shows, and a priority that yields the CPU to request handling (on a busy
/// machine, encoding and storing records must not delay API calls).
enum BackgroundPriority {
    /// Names the calling thread as `top -H`, `perf` and /proc show it (at most 15
    /// bytes; Foundation's `Thread.name` does not reach the kernel on Linux).
    static func name(_ name: String) {
        _ = vpc_name_thread(name)
    }

    /// Sets the calling thread's nice value to 19, the lowest priority short of
    /// SCHED_IDLE (on Linux, `who` 0 means the calling thread). Measured at 8
    /// and 32 connections, DescribeVpcs p99 fell from 2.5 and 5.3 ms at nice 10
    /// to 1.2 and 4.5 ms (BENCHMARKS.md).
    static func lower() {
        #if canImport(Glibc)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
        #endif
    }

    /// Puts the calling thread under SCHED_IDLE where the system has it (nice 19
    /// elsewhere): it runs on a CPU no other thread wants, beyond that gets a
    /// sliver (weight 3 against nice 0's 1024), and a waking request thread
    /// preempts it at once. A nice-19 thread keeps its CPU until
    /// its slice ends (EEVDF's run-to-parity), and at 5,000 req/s that tripled
    /// DescribeVpcs p99 (BENCHMARKS.md). An unprivileged thread cannot leave
    /// SCHED_IDLE, so whoever calls this must never need a normal share back.
    static func idle() {
        #if os(Linux)
        let schedIdle: Int32 = 5  // SCHED_IDLE (<sched.h>, GNU only: not imported)
        var parameters = sched_param()
        if sched_setscheduler(0, schedIdle, &parameters) == 0 { return }
        #endif
        lower()
    }
}
