import CVPCLinux
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Calls back once the process that started the agent exits (`vpc up`, through
/// `--parent-pid`). A pidfd polled by a thread of its own: PR_SET_PDEATHSIG would follow
/// the *thread* that spawned the agent, and `vpc up` spawns from a pool thread that may
/// retire while `vpc up` runs on. Where pidfds are not to be had (an old kernel, a
/// seccomp filter), the thread asks for its parent twice a second instead: once the parent
/// is gone the agent has been reparented.
enum ParentWatch {
    /// Starts watching `parent`; `onExit` runs on the watching thread, or at once if
    /// `parent` is gone already or is not this process's parent (it exited and we were
    /// reparented). `openPidfd` returns a pidfd or `-errno`.
    static func start(_ parent: Int32, openPidfd: (Int32) -> Int32 = vpc_pidfd_open,
                      onExit: @escaping @Sendable () -> Void) {
        let fd = openPidfd(parent)
        if fd == -ESRCH || getppid() != parent {
            if fd >= 0 { close(fd) }
            onExit()
            return
        }
        let t = Thread {
            _ = vpc_name_thread("vpc-parent")
            var polled: Int32 = -1
            if fd >= 0 {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                repeat { polled = poll(&p, 1, -1) } while polled < 0 && errno == EINTR
                close(fd)
            }
            if polled < 0 {  // no pidfd, or polling it failed
                while getppid() == parent { usleep(500_000) }
            }
            onExit()
        }
        t.stackSize = 1 << 16
        t.start()
    }
}
