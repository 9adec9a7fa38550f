/* Minimal AT responder on ptys: the latency yardstick for modemu (bench/latency.py,
 * bench/scale.py).
 *
 *   c_responder [HEX]      one pty; prints its slave path on stdout
 *   c_responder -n N       N ptys in this one process (the fleet yardstick); prints N paths
 *
 * Each pty is opened as a pair, the slave put in raw mode (and kept open, so no EIO when a
 * host closes), then all masters are served by one epoll loop (O(1) per wake-up, so a fleet
 * of N costs what one does): every line ending in CR is
 * answered at once, "AT" with "\r\nOK\r\n" and any other line with the bytes given (hex) as
 * HEX (default: OK). No echo (the benchmark runs modemu with ATE0 too). Exits on SIGTERM
 * or when stdin closes.
 */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 600
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define LINE_MAX_LEN 1024

struct port {
    int master;
    size_t len;
    char line[LINE_MAX_LEN];
};

static unsigned char other[4096];
static size_t other_len;
static const unsigned char ok[] = "\r\nOK\r\n";

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int open_port(struct port *p)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) { perror("pty"); return -1; }
    const char *name = ptsname(master);
    int slave = open(name, O_RDWR | O_NOCTTY);
    if (slave < 0) { perror("open slave"); return -1; }
    struct termios t;
    tcgetattr(slave, &t);
    cfmakeraw(&t);
    tcsetattr(slave, TCSANOW, &t);
    p->master = master;
    p->len = 0;
    printf("%s\n", name);
    return 0;
}

static int serve(struct port *p)
{
    char buf[4096];
    ssize_t n = read(p->master, buf, sizeof buf);
    if (n <= 0) return (n < 0 && (errno == EAGAIN || errno == EINTR)) ? 0 : -1;
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] != '\r') {
            if (p->len < sizeof p->line) p->line[p->len++] = buf[i];
            continue;
        }
        int is_at = p->len == 2 && (p->line[0] == 'A' || p->line[0] == 'a')
            && (p->line[1] == 'T' || p->line[1] == 't');
        const unsigned char *reply = is_at ? ok : other;
        size_t rlen = is_at ? sizeof ok - 1 : other_len;
        while (rlen > 0) {
            ssize_t w = write(p->master, reply, rlen);
            if (w < 0) { if (errno == EINTR || errno == EAGAIN) continue; return -1; }
            reply += w;
            rlen -= (size_t)w;
        }
        p->len = 0;
    }
    return 0;
}

int main(int argc, char **argv)
{
    long count = 1;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        count = strtol(argv[2], NULL, 10);
        if (count < 1 || count > 100000) { fprintf(stderr, "bad count\n"); return 2; }
        argc = 1;
    }
    if (argc > 1) {
        const char *h = argv[1];
        while (h[0] && h[1] && other_len < sizeof other) {
            int hi = hexval(h[0]), lo = hexval(h[1]);
            if (hi < 0 || lo < 0) { fprintf(stderr, "bad hex\n"); return 2; }
            other[other_len++] = (unsigned char)(hi * 16 + lo);
            h += 2;
        }
    } else {
        memcpy(other, ok, sizeof ok - 1);
        other_len = sizeof ok - 1;
    }
    struct port *ports = calloc((size_t)count, sizeof *ports);
    int ep = epoll_create1(0);
    if (!ports || ep < 0) { perror("setup"); return 1; }
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) < 0) { perror("epoll stdin"); return 1; }
    for (long i = 0; i < count; i++) {
        if (open_port(&ports[i]) < 0) return 1;
        ev.data.ptr = &ports[i];
        if (epoll_ctl(ep, EPOLL_CTL_ADD, ports[i].master, &ev) < 0) { perror("epoll"); return 1; }
    }
    fflush(stdout);

    struct epoll_event ready[64];
    for (;;) {
        int n = epoll_wait(ep, ready, 64, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            perror("epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            struct port *p = ready[i].data.ptr;
            if (p == NULL) {
                char tmp[64];
                if (read(0, tmp, sizeof tmp) <= 0) return 0;
            } else if (serve(p) < 0) {
                return 0;
            }
        }
    }
}
