/*
 * blast: sends minimum-size UDP/IPv4 frames out of one interface as fast as one core can, for a
 * bounded time, and says how many the interface took. The sending half of bench/run.sh's live
 * drop-rate measurement; meant for one end of a veth pair inside a network namespace the
 * benchmark made, and for nothing else.
 *
 *   blast IFACE SECONDS FLOWS
 *
 * Frames go through an AF_PACKET socket with PACKET_QDISC_BYPASS, in batches of sendmmsg(2),
 * straight to the driver: the fastest path the kernel has short of pktgen. The source and
 * destination are 198.18.0.1 and 198.18.0.2 (RFC 2544's benchmarking range); the destination MAC
 * is not the peer's, so the receiving stack drops each frame silently after the capture tap has
 * seen it (no ICMP replies, no ARP). FLOWS distinct source ports rotate.
 *
 * Prints one line: "sent N refused M seconds S". "sent" counts frames the veth accepted (they
 * reached the peer's receive path); "refused" counts frames the driver dropped on the spot
 * (ENOBUFS: the peer's backlog was full).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define FRAME 60      /* Ethernet minimum without FCS: 14 + 20 + 8 + 18 bytes */
#define MAX_SECONDS 60

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint16_t ip_checksum(const uint8_t *h, int n) {
    uint32_t sum = 0;
    for (int i = 0; i < n; i += 2) sum += (h[i] << 8) | h[i + 1];
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t) ~sum;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: blast IFACE SECONDS FLOWS\n");
        return 2;
    }
    const char *iface = argv[1];
    double seconds = atof(argv[2]);
    int flows = atoi(argv[3]);
    if (seconds <= 0 || seconds > MAX_SECONDS || flows < 1 || flows > 60000) {
        fprintf(stderr, "blast: SECONDS must be in (0, %d] and FLOWS in [1, 60000]\n", MAX_SECONDS);
        return 2;
    }
    unsigned ifindex = if_nametoindex(iface);
    if (ifindex == 0) {
        perror("blast: if_nametoindex");
        return 1;
    }
    int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: sends only, receives nothing */
    if (fd < 0) {
        perror("blast: socket(AF_PACKET)");
        return 1;
    }
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) != 0) {
        perror("blast: PACKET_QDISC_BYPASS (going through the qdisc instead)");
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, iface, IFNAMSIZ - 1);
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
        perror("blast: SIOCGIFHWADDR");
        return 1;
    }
    struct sockaddr_ll to;
    memset(&to, 0, sizeof to);
    to.sll_family = AF_PACKET;
    to.sll_ifindex = (int) ifindex;
    to.sll_halen = ETH_ALEN;
    if (bind(fd, (struct sockaddr *) &to, sizeof to) != 0) {
        perror("blast: bind");
        return 1;
    }

    static uint8_t frames[BATCH][FRAME];
    static struct iovec iov[BATCH];
    static struct mmsghdr msgs[BATCH];
    const uint8_t dst_mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x99}; /* nobody's: dropped after the tap */
    for (int k = 0; k < BATCH; k++) {
        uint8_t *f = frames[k];
        memset(f, 0, FRAME);
        memcpy(f, dst_mac, 6);
        memcpy(f + 6, ifr.ifr_hwaddr.sa_data, 6);
        f[12] = 0x08;
        f[13] = 0x00;
        uint8_t *ip = f + 14;
        ip[0] = 0x45;
        ip[2] = 0;
        ip[3] = 46;          /* 20 + 8 + 18 */
        ip[6] = 0x40;        /* DF */
        ip[8] = 64;
        ip[9] = 17;
        ip[12] = 198; ip[13] = 18; ip[14] = 0; ip[15] = 1;
        ip[16] = 198; ip[17] = 18; ip[18] = 0; ip[19] = 2;
        uint16_t c = ip_checksum(ip, 20);
        ip[10] = c >> 8;
        ip[11] = c & 0xFF;
        uint8_t *udp = ip + 20;
        udp[2] = 0;
        udp[3] = 9;          /* discard */
        udp[5] = 26;         /* 8 + 18; checksum 0: none */
        iov[k].iov_base = f;
        iov[k].iov_len = FRAME;
        msgs[k].msg_hdr.msg_iov = &iov[k];
        msgs[k].msg_hdr.msg_iovlen = 1;
    }

    unsigned long long sent = 0, refused = 0, seq = 0;
    double start = now(), end = start + seconds, t = start;
    while (t < end) {
        for (int k = 0; k < BATCH; k++) {
            uint16_t port = (uint16_t) (10000 + (seq++ % (unsigned) flows));
            frames[k][34] = port >> 8;
            frames[k][35] = port & 0xFF;
        }
        int n = sendmmsg(fd, msgs, BATCH, 0);
        if (n < 0) {
            if (errno == ENOBUFS || errno == EAGAIN) {
                refused++;
            } else if (errno != EINTR) {
                perror("blast: sendmmsg");
                return 1;
            }
        } else {
            sent += (unsigned) n;
            if (n < BATCH) refused++; /* the message after the last one sent failed */
        }
        t = now();
    }
    printf("sent %llu refused %llu seconds %.3f\n", sent, refused, t - start);
    close(fd);
    return 0;
}
