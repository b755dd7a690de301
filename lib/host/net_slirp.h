/* net_slirp: user-mode networking for virtio-net through libslirp, the live host side.
 *
 * The guest sits on QEMU's default user network: 10.0.2.0/24, gateway and host
 * 10.0.2.2 (connections to it reach the host's loopback), DNS 10.0.2.3, DHCP from
 * 10.0.2.15. One I/O thread owns the Slirp instance: it polls slirp's sockets, runs
 * slirp's timers on the host monotonic clock and hands every frame slirp sends to
 * the guest to rx(). This is host-side, nondeterministic by nature: the recorder
 * logs what rx() delivers.
 */
#ifndef EMU_NET_SLIRP_H
#define EMU_NET_SLIRP_H
#include <stddef.h>
#include <stdint.h>

struct net_slirp;

/* Receives one Ethernet frame (no FCS) for the guest. Called on the I/O thread;
 * frame is valid only during the call. */
typedef void net_slirp_rx_fn(void *opaque, const uint8_t *frame, size_t len);

/* Start user networking. hostfwd: NULL/"" for none, or QEMU's syntax, several
 * separated by commas: "tcp:127.0.0.1:5555-:22,udp::5353-10.0.2.15:53", each
 * [tcp:|udp:][HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (proto defaults to tcp,
 * host address to 0.0.0.0 as in QEMU, guest address to 10.0.2.15); a leading
 * "hostfwd=" on each is accepted. Returns NULL with a message in err on a syntax
 * error, a port already in use, or a thread that cannot start. */
struct net_slirp *net_slirp_new(const char *hostfwd, net_slirp_rx_fn *rx, void *opaque,
				char *err, size_t errlen);

/* Queue a frame from the guest for slirp and wake the I/O thread. Thread-safe;
 * never blocks on the network; drops the frame (counted) if the queue is full or
 * the frame is shorter than an Ethernet header or longer than 65536 bytes. */
void net_slirp_send(struct net_slirp *ns, const uint8_t *frame, size_t len);

/* Stop the I/O thread and free everything. NULL is fine. No rx() call is running
 * or will run once this returns. */
void net_slirp_free(struct net_slirp *ns);

/* Frames dropped by net_slirp_send so far (queue full, bad length). */
uint64_t net_slirp_dropped(const struct net_slirp *ns);

#endif
