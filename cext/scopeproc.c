/* SPDX-License-Identifier: Apache-2.0 */
/* scopeproc.c: the probe's two /proc hot paths in C (Scope issue #812: "30% of the CPU reading
 * /proc/<pid>/net/tcp"). The pure-Python twins are scopeprobe.procfs.parse_net.parse_net_table and
 * scopeprobe.procfs.native.PythonBackend.scan_fds; tests/probe/test_procfs_native.py holds them to the same
 * results on the fixture tree and on the live /proc. */
#ifndef _GNU_SOURCE  /* Python.h, included first by cffi, defines it already */
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <dirent.h>

#include "scopeproc.h"

/* ---- /proc/net/{tcp,udp}{,6} ------------------------------------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Parse [p, end) as hex of 1..maxdigits digits. Returns 0, or -1 if empty, too long or not hex. */
static int parse_hex(const char *p, const char *end, int maxdigits, uint64_t *out)
{
    uint64_t v = 0;
    if (p == end || end - p > maxdigits) return -1;
    for (; p < end; p++) {
        int d = hexval(*p);
        if (d < 0) return -1;
        v = (v << 4) | (uint64_t)d;
    }
    *out = v;
    return 0;
}

static int parse_dec(const char *p, const char *end, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (p == end) return -1;
    for (; p < end; p++) {
        if (*p < '0' || *p > '9') return -1;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (max - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* "0100007F:1F90": each 8-digit group is a 32-bit word printed with %08X from memory (net/ipv4/tcp_ipv4.c:
 * get_tcp4_sock), so storing the parsed word back with memcpy restores the network-order bytes on either
 * endianness. The port is printed in host order (ntohs). Returns the family, or -1. */
static int parse_endpoint(const char *p, const char *end, uint8_t addr[16], uint16_t *port)
{
    const char *colon = memchr(p, ':', (size_t)(end - p));
    size_t ndigits;
    uint64_t v;
    if (colon == NULL) return -1;
    ndigits = (size_t)(colon - p);
    if (ndigits != 8 && ndigits != 32) return -1;
    memset(addr, 0, 16);
    for (size_t w = 0; w < ndigits / 8; w++) {
        uint32_t word;
        if (parse_hex(p + 8 * w, p + 8 * w + 8, 8, &v) < 0) return -1;
        word = (uint32_t)v;
        memcpy(addr + 4 * w, &word, 4);
    }
    if (parse_hex(colon + 1, end, 4, &v) < 0) return -1;
    *port = (uint16_t)v;
    return ndigits == 8 ? 2 : 10;
}

/* The next space-separated field of [*p, end): returns its start and sets *fend; NULL if there is none. */
static const char *next_field(const char **p, const char *end, const char **fend)
{
    const char *s = *p;
    while (s < end && *s == ' ') s++;
    if (s == end) return NULL;
    *fend = s;
    while (*fend < end && **fend != ' ') (*fend)++;
    *p = *fend;
    return s;
}

/* Columns: sl local rem st tx:rx tr:tm retrnsmt uid timeout inode [more...]. Returns 1 for a row, 0 for the
 * header or a blank line, -1 if malformed. */
static int parse_row(const char *p, const char *end, int first_line, struct scope_sock *s)
{
    const char *f[10], *fe[10];
    uint64_t v;
    int fam, fam2;
    for (int i = 0; i < 10; i++) {
        f[i] = next_field(&p, end, &fe[i]);
        if (f[i] == NULL) {
            if (i == 0) return 0;  /* blank line */
            return (first_line && fe[0] - f[0] == 2 && memcmp(f[0], "sl", 2) == 0) ? 0 : -1;
        }
    }
    if (first_line && fe[0] - f[0] == 2 && memcmp(f[0], "sl", 2) == 0) return 0;
    memset(s, 0, sizeof *s);
    fam = parse_endpoint(f[1], fe[1], s->local_addr, &s->local_port);
    fam2 = parse_endpoint(f[2], fe[2], s->remote_addr, &s->remote_port);
    if (fam < 0 || fam != fam2) return -1;
    s->family = (uint8_t)fam;
    if (parse_hex(f[3], fe[3], 2, &v) < 0) return -1;
    s->state = (uint8_t)v;
    if (parse_dec(f[7], fe[7], UINT32_MAX, &v) < 0) return -1;
    s->uid = (uint32_t)v;
    if (parse_dec(f[9], fe[9], UINT64_MAX, &v) < 0) return -1;
    s->inode = v;
    return 1;
}

int64_t scope_parse_net(const char *buf, size_t len, struct scope_sock *out, size_t cap, uint32_t *err_line)
{
    const char *p = buf, *end = buf + len;
    size_t n = 0;
    uint32_t line = 0;
    while (p < end && n < cap) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        int r;
        if (eol == NULL) eol = end;
        line++;
        r = parse_row(p, eol, line == 1, &out[n]);
        if (r < 0) {
            *err_line = line;
            return -1;
        }
        n += (size_t)r;
        p = eol + 1;
    }
    return (int64_t)n;
}

/* ---- /proc/<pid>/fd ------------------------------------------------------------------------------------- */

/* "socket:[12345]" -> 12345; 0 for any other target (a socket inode is never 0). */
static uint64_t socket_inode(const char *target, ssize_t len)
{
    static const char prefix[] = "socket:[";
    uint64_t v;
    if (len < (ssize_t)sizeof prefix || memcmp(target, prefix, sizeof prefix - 1) != 0 || target[len - 1] != ']')
        return 0;
    if (parse_dec(target + sizeof prefix - 1, target + len - 1, UINT64_MAX, &v) < 0) return 0;
    return v;
}

/* Scan one directory, appending to inodes[*used .. cap). Returns 0, or -1 if inodes[] filled up. */
static int scan_one(const char *root, int32_t pid, struct scope_fdscan *r, uint64_t *inodes, size_t cap,
                    size_t *used)
{
    char path[4096], target[64];
    size_t start = *used;
    DIR *dir;
    struct dirent *e;
    int dfd, full = 0;

    memset(r, 0, sizeof *r);
    r->pid = pid;
    r->first = start;
    if (snprintf(path, sizeof path, "%s/%d/fd", root, (int)pid) >= (int)sizeof path) {
        r->err = ENAMETOOLONG;
        return 0;
    }
    dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || (dir = fdopendir(dfd)) == NULL) {
        r->err = errno;
        if (dfd >= 0) close(dfd);
        return 0;
    }
    while ((e = readdir(dir)) != NULL) {
        ssize_t n;
        uint64_t ino;
        if (e->d_name[0] == '.') continue;  /* "." and ".."; fd names are digits */
        r->nfds++;
        /* An fd closed since readdir gives ENOENT: skip it. EACCES (an LSM can refuse even root) is reported
         * once the scan is over. A target longer than the buffer is no socket. */
        n = readlinkat(dfd, e->d_name, target, sizeof target);
        if (n < 0 && (errno == EACCES || errno == EPERM)) r->err = errno;
        if (n <= 0 || n == (ssize_t)sizeof target) continue;
        ino = socket_inode(target, n);
        if (ino == 0) continue;
        if (*used == cap) {
            full = 1;
            break;
        }
        inodes[(*used)++] = ino;
    }
    closedir(dir);
    if (full) {
        *used = start;
        return -1;
    }
    r->nsockets = (uint32_t)(*used - start);
    return 0;
}

int64_t scope_scan_fds(const char *root, const int32_t *pids, size_t npids,
                       struct scope_fdscan *results, uint64_t *inodes, size_t cap)
{
    size_t used = 0;
    for (size_t i = 0; i < npids; i++) {
        if (scan_one(root, pids[i], &results[i], inodes, cap, &used) < 0) return (int64_t)i;
    }
    return (int64_t)npids;
}
