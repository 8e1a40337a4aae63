import CVPCLinux
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An instance's boot, run as `sh` inside its namespace (`ip netns exec NS sh boot`),
/// detached (own session, default signal mask), stdout and stderr appended to the
/// console file: what an AMI's init does — a DHCP client on `eth0` (busybox udhcpc,
/// left running to renew), the ENI's IPv6 addresses as the instance metadata gives them
/// (file `ipv6`, one per line, /64 as every VPC subnet; default route via the VPC router,
/// which answers Neighbor Solicitations for link-local targets), then the user data. The agent reaps it; a restarted agent
/// leaves it running.
///
/// The namespace isolates the network only: a process in it sees the host's files and
/// processes. So the user data does not run as root (as it would on an EC2 instance) but as
/// the instance's own unprivileged user (`userID(namespace:)`), with no capabilities and
/// `no_new_privs`: it cannot read the data directory (the trail's signing key, the agent
/// token, the instances' user data and consoles: all 0700/0600, root's), signal other
/// instances' processes or change the host. The script reaches its shell on a file
/// descriptor, not in argv, so other users do not see it in `/proc/PID/cmdline`; the
/// command lines of the processes it starts they do see, as on any shared host. Its
/// namespace lets any user bind ports below 1024 and send pings
/// (`ip_unprivileged_port_start`, `ping_group_range`), as an instance's root could.
enum UserDataProcess {
    /// busybox udhcpc's hook: applies the lease (address, router, MTU) to the interface.
    static let dhcpHook = """
        #!/bin/sh
        case "$1" in
          deconfig) ip -4 addr flush dev "$interface"; ip link set dev "$interface" up ;;
          bound|renew)
            ip -4 addr flush dev "$interface"
            ip addr add "$ip/$mask" dev "$interface"
            [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
            [ -n "$router" ] && ip route replace default via "$router" dev "$interface" ;;
        esac
        exit 0

        """

    /// The init: DHCP first (waits up to 10 s for the lease), then `exec` the user data.
    static let bootScript = """
        #!/bin/sh
        here=$(dirname "$0")
        if command -v busybox >/dev/null 2>&1; then
          busybox udhcpc -i eth0 -f -s "$here/dhcp-hook" -t 10 -T 1 -A 1 &
          i=0
          while [ $i -lt 100 ] && ! ip -4 addr show dev eth0 | grep -q inet; do sleep 0.1; i=$((i+1)); done
        else
          echo "boot: busybox not found: no DHCP client, eth0 has no address"
        fi
        while read -r address; do
          [ -n "$address" ] && ip -6 addr add "$address/64" dev eth0 nodad
        done < "$here/ipv6"
        [ -s "$here/ipv6" ] && ip -6 route replace default via fe80::1 dev eth0
        [ -s "$here/user-data" ] || exit 0
        echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start
        echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range
        if ! command -v setpriv >/dev/null 2>&1; then
          echo "boot: setpriv not found: the user data is not run (never as root)"
          exit 1
        fi
        # Handed over on fd 3, opened here as root (before the cd: `$here` may be relative):
        # as an argument it would show in the process's command line, which every user of
        # the host can read.
        exec 3< "$here/user-data"
        cd /tmp
        exec env HOME=/tmp setpriv --reuid="$1" --regid="$1" --clear-groups --no-new-privs \
          sh -c 'script=$(cat <&3); exec 3<&-; eval "$script"'

        """

    /// Writes the boot files into `directory` and starts the boot; returns its pid.
    static func start(userData: [UInt8], ipv6Addresses: [String], namespace: NetworkNamespace, directory: String,
                      console: String) throws -> Int32 {
        let ipv6 = Array(ipv6Addresses.map { $0 + "\n" }.joined().utf8)
        for (name, bytes) in [("user-data", userData), ("ipv6", ipv6), ("dhcp-hook", Array(dhcpHook.utf8)),
                              ("boot", Array(bootScript.utf8))] {
            let file = "\(directory)/\(name)"
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            chmod(file, 0o700)
        }
        let ip = try Command.path(of: "ip")
        let argv = [ip, "netns", "exec", namespace.name, "sh", "\(directory)/boot", String(userID(namespace: namespace.name))]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, console, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM); sigaddset(&defaults, SIGINT); sigaddset(&defaults, SIGPIPE); sigaddset(&defaults, SIGHUP)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | Int32(vpc_posix_spawn_setsid)))
        let env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"]
        var pid: pid_t = 0
        let cargs = argv.map { strdup($0) } + [nil]
        let cenv = env.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) }; cenv.forEach { free($0) } }
        let rc = posix_spawn(&pid, ip, &actions, &attr, cargs, cenv)
        guard rc == 0 else { throw SystemError("posix_spawn \(ip)", errno: rc) }
        return pid
    }

    /// The user (and group) id an instance's user data runs as: one of 2^28 ids from
    /// 0x6000_0000 up, from a hash of its namespace's name (so the same after a restart of
    /// the agent; two instances of one host share one only with odds of ~n²/2^29).
    static func userID(namespace: String) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5  // FNV-1a
        for byte in namespace.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        return 0x6000_0000 | (hash & 0x0FFF_FFFF)
    }

    /// Reaps `pid` if it has exited; returns true when it is gone.
    static func reap(_ pid: Int32) -> Bool {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        return r == pid || (r < 0 && errno == ECHILD)
    }

    /// The newest `limit` bytes of the console file, as text.
    static func consoleTail(_ path: String, limit: Int = 64 << 10) -> String? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: size > UInt64(limit) ? size - UInt64(limit) : 0)
        let data = (try? h.readToEnd()) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
