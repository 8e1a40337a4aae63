import CVPCLinux
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Calls back once the process that started the agent exits (`vpc up`, through
/// `--parent-pid`). A pidfd polled by a thread of its own: PR_SET_PDEATHSIG would follow
/// the *thread* that spawned the agent, and `vpc up` spawns from a pool thread that may
/// retire while `vpc up` runs on.
enum ParentWatch {
    /// Starts watching `parent`; `onExit` runs on the watching thread, or at once if
    /// `parent` is gone already or is not this process's parent (it exited and we were
    /// reparented).
    static func start(_ parent: Int32, onExit: @escaping @Sendable () -> Void) throws(SystemError) {
        let rc = vpc_pidfd_open(parent)
        if rc == -ESRCH { onExit(); return }
        let fd = try SystemError.check("pidfd_open \(parent)", rc)
        if getppid() != parent { close(fd); onExit(); return }
        let t = Thread {
            _ = vpc_name_thread("vpc-parent")
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&p, 1, -1) < 0 && errno == EINTR {}
            close(fd)
            onExit()
        }
        t.stackSize = 1 << 16
        t.start()
    }
}
