/* Minimal AT responder on a pty: the latency yardstick for modemu (bench/latency.py).
 *
 * Opens a pty pair, puts the slave in raw mode, prints the slave path on stdout, then serves
 * the master with a select() loop: every line ending in CR is answered at once, "AT" with
 * "\r\nOK\r\n" and any other line with the bytes given (hex) as argv[1] (default: OK).
 * No echo (the benchmark runs modemu with ATE0 too). Exits on SIGTERM or when stdin closes.
 */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 600
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <termios.h>
#include <unistd.h>

static unsigned char other[4096];
static size_t other_len;

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int main(int argc, char **argv)
{
    static const unsigned char ok[] = "\r\nOK\r\n";
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
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) { perror("pty"); return 1; }
    const char *name = ptsname(master);
    int slave = open(name, O_RDWR | O_NOCTTY); /* kept open: no EIO when the host closes */
    if (slave < 0) { perror("open slave"); return 1; }
    struct termios t;
    tcgetattr(slave, &t);
    cfmakeraw(&t);
    tcsetattr(slave, TCSANOW, &t);
    printf("%s\n", name);
    fflush(stdout);

    char line[1024];
    size_t len = 0;
    for (;;) {
        fd_set rd;
        FD_ZERO(&rd);
        FD_SET(master, &rd);
        FD_SET(0, &rd);
        int maxfd = master > 0 ? master : 0;
        if (select(maxfd + 1, &rd, NULL, NULL, NULL) < 0) {
            if (errno == EINTR) continue;
            perror("select");
            return 1;
        }
        if (FD_ISSET(0, &rd)) {
            char tmp[64];
            if (read(0, tmp, sizeof tmp) <= 0) return 0;
        }
        if (!FD_ISSET(master, &rd)) continue;
        char buf[4096];
        ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0) { if (n < 0 && errno == EAGAIN) continue; return 0; }
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] != '\r') {
                if (len < sizeof line) line[len++] = buf[i];
                continue;
            }
            int is_at = len == 2 && (line[0] == 'A' || line[0] == 'a')
                && (line[1] == 'T' || line[1] == 't');
            const unsigned char *reply = is_at ? ok : other;
            size_t rlen = is_at ? sizeof ok - 1 : other_len;
            while (rlen > 0) {
                ssize_t w = write(master, reply, rlen);
                if (w < 0) { if (errno == EINTR || errno == EAGAIN) continue; return 1; }
                reply += w;
                rlen -= (size_t)w;
            }
            len = 0;
        }
    }
}
