#define _GNU_SOURCE
#include "CVPCLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <sys/uio.h>
#include <linux/capability.h>
#include <sys/syscall.h>

const short vpc_posix_spawn_setsid = POSIX_SPAWN_SETSID;

int vpc_tap_open(const char *name, int persist, int vnet) {
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0);
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { int e = errno; close(fd); return -e; }
    if (vnet) {
        int size = sizeof(struct virtio_net_hdr);
        unsigned offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
        if (ioctl(fd, TUNSETVNETHDRSZ, &size) < 0 || ioctl(fd, TUNSETOFFLOAD, offloads) < 0) {
            int e = errno; close(fd); return -e;
        }
    } else if (ioctl(fd, TUNSETOFFLOAD, 0) < 0) {
        int e = errno; close(fd); return -e;
    }
    if (persist && ioctl(fd, TUNSETPERSIST, 1) < 0) { int e = errno; close(fd); return -e; }
    return fd;
}

long vpc_tap_write(int fd, const void *vnet_header, const vpc_bytes *parts, int count) {
    struct iovec iov[VPC_TAP_MAX_PARTS + 1];
    if (count < 1 || count > VPC_TAP_MAX_PARTS) return -EINVAL;
    int n = 0;
    if (vnet_header) {
        iov[n].iov_base = (void *)vnet_header;
        iov[n++].iov_len = sizeof(struct virtio_net_hdr);
    }
    for (int i = 0; i < count; i++) {
        iov[n].iov_base = (void *)parts[i].base;
        iov[n++].iov_len = parts[i].length;
    }
    ssize_t written = writev(fd, iov, n);
    if (written < 0) return -errno;
    return vnet_header ? written - (ssize_t)sizeof(struct virtio_net_hdr) : written;
}

int vpc_tap_set_persist(int fd, int persist) {
    return ioctl(fd, TUNSETPERSIST, persist ? 1 : 0) < 0 ? -errno : 0;
}

/// Sets MAC, MTU and IFF_UP on `name` through an ioctl socket of the current namespace.
static int configure_link(const char *name, const uint8_t *mac, int mtu) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    struct ifreq ifr;
    int rc = 0;
    if (mac) {
        memset(&ifr, 0, sizeof ifr);
        strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
        ifr.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
        memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
        if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0) { rc = -errno; goto out; }
    }
    if (mtu > 0) {
        memset(&ifr, 0, sizeof ifr);
        strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
        ifr.ifr_mtu = mtu;
        if (ioctl(s, SIOCSIFMTU, &ifr) < 0) { rc = -errno; goto out; }
    }
    const char *up[2] = { name, "lo" };
    for (int i = 0; i < 2; i++) {
        memset(&ifr, 0, sizeof ifr);
        strncpy(ifr.ifr_name, up[i], IFNAMSIZ - 1);
        if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) { rc = -errno; goto out; }
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) { rc = -errno; goto out; }
    }
out:
    close(s);
    return rc;
}

/// Runs `body` inside the namespace at `netns_path` on this thread, then switches back.
static int with_netns(const char *netns_path, int (*body)(void *), void *ctx) {
    int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0) return -errno;
    int target = open(netns_path, O_RDONLY | O_CLOEXEC);
    if (target < 0) { int e = errno; close(home); return -e; }
    int rc;
    if (setns(target, CLONE_NEWNET) < 0) {
        rc = -errno;
    } else {
        rc = body(ctx);
        if (setns(home, CLONE_NEWNET) < 0) rc = -errno; /* cannot happen for our own namespace */
    }
    close(target);
    close(home);
    return rc;
}

struct tap_ctx { const char *name; const uint8_t *mac; int mtu; int vnet; };

static int open_and_configure(void *p) {
    struct tap_ctx *c = p;
    int fd = vpc_tap_open(c->name, 1, c->vnet);
    if (fd < 0) return fd;
    int rc = configure_link(c->name, c->mac, c->mtu);
    if (rc < 0) {
        ioctl(fd, TUNSETPERSIST, 0);
        close(fd);
        return rc;
    }
    return fd;
}

int vpc_tap_open_in_netns(const char *netns_path, const char *name, const uint8_t *mac, int mtu, int vnet) {
    struct tap_ctx c = { name, mac, mtu, vnet };
    return with_netns(netns_path, open_and_configure, &c);
}

struct info_ctx { const char *name; uint8_t *mac; int *mtu; };

static int read_info(void *p) {
    struct info_ctx *c = p;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    struct ifreq ifr;
    int rc = 0;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, c->name, IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) { rc = -errno; goto out; }
    memcpy(c->mac, ifr.ifr_hwaddr.sa_data, 6);
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, c->name, IFNAMSIZ - 1);
    if (ioctl(s, SIOCGIFMTU, &ifr) < 0) { rc = -errno; goto out; }
    *c->mtu = ifr.ifr_mtu;
out:
    close(s);
    return rc;
}

int vpc_link_info_in_netns(const char *netns_path, const char *name, uint8_t *mac_out, int *mtu_out) {
    struct info_ctx c = { name, mac_out, mtu_out };
    return with_netns(netns_path, read_info, &c);
}

#define VPC_BATCH_MAX 64

int vpc_udp_receive_batch(int fd, vpc_datagram *d, unsigned count) {
    if (count > VPC_BATCH_MAX) count = VPC_BATCH_MAX;
    struct mmsghdr msgs[VPC_BATCH_MAX];
    struct iovec iov[VPC_BATCH_MAX];
    struct sockaddr_in peers[VPC_BATCH_MAX];
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control[VPC_BATCH_MAX];
    memset(msgs, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        iov[i].iov_base = d[i].base;
        iov[i].iov_len = d[i].length;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &peers[i];
        msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
        msgs[i].msg_hdr.msg_control = control[i].buf;
        msgs[i].msg_hdr.msg_controllen = sizeof control[i].buf;
    }
    int n = recvmmsg(fd, msgs, count, MSG_DONTWAIT, NULL);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) {
        /* Cut short, or its GRO segment size lost with a cut control buffer: unusable. */
        d[i].length = (msgs[i].msg_hdr.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ? 0 : msgs[i].msg_len;
        d[i].peer_address = peers[i].sin_addr.s_addr;
        d[i].peer_port = ntohs(peers[i].sin_port);
        d[i].segment_size = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO) {
                int size;
                memcpy(&size, CMSG_DATA(c), sizeof size);
                d[i].segment_size = (uint32_t)size;
            }
        }
    }
    return n;
}

/* Largest UDP payload of one IPv4 datagram, and most segments in one UDP GSO send. */
#define VPC_UDP_MAX_PAYLOAD 65507
#define VPC_GSO_MAX_SEGMENTS 64

int vpc_udp_send_batch(int fd, vpc_datagram *d, unsigned count) {
    if (count > VPC_BATCH_MAX) count = VPC_BATCH_MAX;
    struct mmsghdr msgs[VPC_BATCH_MAX];
    struct iovec iov[VPC_BATCH_MAX];
    struct sockaddr_in peers[VPC_BATCH_MAX];
    union { char buf[CMSG_SPACE(sizeof(uint16_t))]; struct cmsghdr align; } control[VPC_BATCH_MAX];
    unsigned runs = 0;  /* messages; each one's datagrams are d[msg_iov - iov ...] */
    memset(msgs, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        iov[i].iov_base = d[i].base;
        iov[i].iov_len = d[i].length;
    }
    /* Consecutive datagrams to one peer, all of the first one's size but the last (not
       longer), go as one message with UDP_SEGMENT: one UDP GSO send. */
    for (unsigned i = 0; i < count; ) {
        unsigned start = i;
        size_t total = d[i].length;
        i++;
        while (i < count && d[i].peer_address == d[start].peer_address && d[i].peer_port == d[start].peer_port
               && d[i - 1].length == d[start].length && d[i].length <= d[start].length
               && total + d[i].length <= VPC_UDP_MAX_PAYLOAD && i - start < VPC_GSO_MAX_SEGMENTS) {
            total += d[i].length;
            i++;
        }
        struct msghdr *m = &msgs[runs].msg_hdr;
        memset(&peers[runs], 0, sizeof peers[runs]);
        peers[runs].sin_family = AF_INET;
        peers[runs].sin_addr.s_addr = d[start].peer_address;
        peers[runs].sin_port = htons(d[start].peer_port);
        m->msg_name = &peers[runs];
        m->msg_namelen = sizeof peers[runs];
        m->msg_iov = &iov[start];
        m->msg_iovlen = i - start;
        if (i - start > 1) {
            m->msg_control = control[runs].buf;
            m->msg_controllen = sizeof control[runs].buf;
            struct cmsghdr *c = CMSG_FIRSTHDR(m);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t size = (uint16_t)d[start].length;
            memcpy(CMSG_DATA(c), &size, sizeof size);
        }
        runs++;
    }
    /* A run the kernel refuses as one GSO send (EIO without checksum offload on older
       kernels, EINVAL when it exceeds the device's MTU) goes again datagram by datagram;
       a datagram refused on its own is skipped, its length set to 0. Stops at EAGAIN
       (the socket buffer is full). */
    int handled = 0;
    unsigned r = 0;
    while (r < runs) {
        int n = sendmmsg(fd, msgs + r, runs - r, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n > 0) {
            for (int k = 0; k < n; k++) handled += (int)msgs[r + k].msg_hdr.msg_iovlen;
            r += (unsigned)n;
            continue;
        }
        /* msgs[r] failed: one datagram, or a run to send apart. */
        struct msghdr *m = &msgs[r].msg_hdr;
        for (size_t k = 0; k < m->msg_iovlen; k++) {
            struct msghdr single = *m;
            single.msg_iov = &m->msg_iov[k];
            single.msg_iovlen = 1;
            single.msg_control = NULL;
            single.msg_controllen = 0;
            if (sendmsg(fd, &single, MSG_DONTWAIT) < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK) return handled;
                d[(m->msg_iov - iov) + k].length = 0;
            }
            handled++;
        }
        r++;
    }
    return handled;
}

int vpc_udp_bind(uint32_t address, uint16_t port, int buffer_bytes) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) return -errno;
    if (buffer_bytes > 0) {
        setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
        setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
    }
    /* The outer packets carry DF (RFC 8926 §4.1.1); never fragment them locally. */
    int pmtu = IP_PMTUDISC_PROBE;
    setsockopt(s, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
    /* Datagrams of one flow may arrive coalesced (UDP GRO): `segment_size` says so. */
    int gro = 1;
    setsockopt(s, SOL_UDP, UDP_GRO, &gro, sizeof gro);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = address;
    a.sin_port = htons(port);
    if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) { int e = errno; close(s); return -e; }
    return s;
}

int vpc_eventfd(void) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int vpc_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int vpc_epoll_add(int epfd, int fd, uint64_t token) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = token;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int vpc_epoll_remove(int epfd, int fd) {
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL) < 0 ? -errno : 0;
}

int vpc_epoll_wait(int epfd, uint64_t *tokens, int max, int timeout_ms) {
    struct epoll_event evs[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) tokens[i] = evs[i].data.u64;
    return n;
}

int vpc_has_net_admin(void) {
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capget, &h, d) < 0) return 0;
    uint32_t eff = d[0].effective;
    return (eff & (1u << CAP_NET_ADMIN)) && (eff & (1u << CAP_SYS_ADMIN));
}

int vpc_name_thread(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}

int vpc_pidfd_open(int pid) {
    long fd = syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -errno : (int)fd;
}
