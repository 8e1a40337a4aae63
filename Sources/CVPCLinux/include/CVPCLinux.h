#ifndef CVPCLINUX_H
#define CVPCLINUX_H

/// Kernel interfaces Swift cannot import from Glibc: TUN/TAP ioctls, network-namespace
/// switching, eventfd, epoll and batched UDP I/O. Every function returns -errno on failure.

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// POSIX_SPAWN_SETSID (glibc 2.26), which Glibc does not export to Swift.
extern const short vpc_posix_spawn_setsid;

/// Opens /dev/net/tun and attaches to (or creates) the TAP `name` in the *current*
/// network namespace; with `persist` the device outlives the descriptor (TUNSETPERSIST).
/// With `vnet` every frame read or written starts with a 10-byte virtio_net_hdr
/// (IFF_VNET_HDR) and the device may hand over TCP super-frames and partial checksums
/// (TUNSETOFFLOAD: CSUM, TSO4, TSO6, TSO_ECN). Returns the non-blocking descriptor or -errno.
int vpc_tap_open(const char *name, int persist, int vnet);

/// A run of bytes in memory.
typedef struct {
    const void *base;
    size_t length;
} vpc_bytes;

/// Most parts of one `vpc_tap_write` frame.
#define VPC_TAP_MAX_PARTS 64

/// Writes one frame gathered from `count` parts (1 to VPC_TAP_MAX_PARTS) to a TAP. One
/// opened with IFF_VNET_HDR needs the 10-byte virtio_net_hdr `vnet_header` in front
/// (segmentation and checksum offload metadata, or zeros for a complete frame); pass NULL
/// for one opened without. Returns the frame bytes written or -errno.
long vpc_tap_write(int fd, const void *vnet_header, const vpc_bytes *parts, int count);

/// Switches this thread into the namespace bound at `netns_path` (`/run/netns/NAME`),
/// opens the TAP `name` there (persistent), sets its MAC (`mac[6]`, unless NULL) and MTU
/// (unless 0), brings it and `lo` up, and switches back. The descriptor stays usable from
/// the root namespace; the device lives in the instance's namespace. Returns it or -errno.
int vpc_tap_open_in_netns(const char *netns_path, const char *name, const uint8_t *mac, int mtu, int vnet);

/// Clears TUNSETPERSIST on an attached TAP descriptor: closing it then deletes the device.
int vpc_tap_set_persist(int fd, int persist);

/// Reads the MAC and MTU of interface `name` in the namespace at `netns_path`.
int vpc_link_info_in_netns(const char *netns_path, const char *name, uint8_t *mac_out, int *mtu_out);

/// One datagram of a batch: buffer, capacity or length, IPv4 peer (network order), and on
/// receive the size of the datagrams coalesced in it (0: one datagram).
typedef struct {
    void *base;
    uint32_t length;
    uint32_t peer_address;
    uint16_t peer_port;
    uint32_t segment_size;
} vpc_datagram;

/// recvmmsg over `count` preallocated datagrams (MSG_DONTWAIT). On return `length` holds
/// each received size (0 if it was truncated), `peer_*` the sender, and `segment_size`
/// the size of the datagrams UDP GRO coalesced into it (all of it but the last; 0: one).
/// Returns how many were received or -errno.
int vpc_udp_receive_batch(int fd, vpc_datagram *datagrams, unsigned count);

/// sendmmsg of `count` datagrams to their `peer_*`; runs of datagrams to one peer of one
/// size (the last of a run may be shorter) go as one UDP GSO send (UDP_SEGMENT), or one by
/// one if the kernel refuses that. Returns how many datagrams were handled from the start
/// (sent, or refused: their `length` is then set to 0), fewer than `count` when the socket
/// buffer is full, or -errno.
int vpc_udp_send_batch(int fd, vpc_datagram *datagrams, unsigned count);

/// A UDP socket bound to `address:port` (network-order address), non-blocking,
/// with `buffer_bytes` send and receive buffers. Returns it or -errno.
int vpc_udp_bind(uint32_t address, uint16_t port, int buffer_bytes);

/// eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC).
int vpc_eventfd(void);

/// epoll_create1(EPOLL_CLOEXEC).
int vpc_epoll_create(void);
/// Adds `fd` for EPOLLIN with `token` as its data.
int vpc_epoll_add(int epfd, int fd, uint64_t token);
int vpc_epoll_remove(int epfd, int fd);
/// Waits up to `timeout_ms`; writes ready tokens to `tokens`. Returns the count or -errno.
int vpc_epoll_wait(int epfd, uint64_t *tokens, int max, int timeout_ms);

/// Whether the calling process has CAP_NET_ADMIN and CAP_SYS_ADMIN in its effective set.
int vpc_has_net_admin(void);

/// Names the calling thread (at most 15 bytes) as `top -H`, `perf` and /proc show it;
/// Foundation's `Thread.name` does not reach the kernel on Linux. Returns 0 or an errno.
int vpc_name_thread(const char *name);

/// A pidfd for `pid` (pidfd_open(2)): readable once the process has exited. fd or -errno.
int vpc_pidfd_open(int pid);

#ifdef __cplusplus
}
#endif

#endif
