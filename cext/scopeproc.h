/* SPDX-License-Identifier: Apache-2.0 */
/* scopeproc.h: the ABI between cext/scopeproc.c and Python (src/scopeprobe/procfs/native.py).
 *
 * cext/build_scopeproc.py feeds this file verbatim to ffi.cdef, so it holds fixed-width fields only, explicit
 * padding, no unions, no #include and no include guards (cdef reads no preprocessor conditionals).
 * scopeproc.c includes <stdint.h> and then this file, once. tests/probe/test_procfs_abi.py checks every size
 * and offset against Python's struct module.
 */

/* One row of /proc/<pid>/net/{tcp,tcp6,udp,udp6}: 56 bytes, 8-aligned.
 * Addresses are in network byte order; an IPv4 address fills the first 4 bytes and the other 12 are zero. */
struct scope_sock {
    uint8_t  local_addr[16];
    uint8_t  remote_addr[16];
    uint64_t inode;         /* 0 when no file refers to the socket any more (TIME_WAIT) */
    uint32_t uid;
    uint16_t local_port;
    uint16_t remote_port;
    uint8_t  family;        /* AF_INET (2) or AF_INET6 (10) */
    uint8_t  state;         /* include/net/tcp_states.h */
    uint8_t  pad[6];
};

/* What scanning one /proc/<pid>/fd directory found: 24 bytes, 8-aligned. */
struct scope_fdscan {
    int32_t  pid;
    int32_t  err;           /* 0, or the errno of opening the directory (ENOENT: gone, EACCES: not ours), or
                             * EACCES/EPERM if reading some link was refused (the rest is still stored) */
    uint32_t nfds;          /* directory entries read: the rate limit's unit */
    uint32_t nsockets;      /* socket inodes found, stored at inodes[first .. first + nsockets) */
    uint64_t first;
};

/* Parse a whole table (its header line included) into out[0 .. cap).
 * Returns the number of rows stored, or -1 if a row is malformed, with *err_line set to its 1-based line.
 * A table has at most as many rows as newlines (plus one): size cap from that and nothing is dropped. */
int64_t scope_parse_net(const char *buf, size_t len, struct scope_sock *out, size_t cap, uint32_t *err_line);

/* For each of pids[0 .. npids), read the links of <root>/<pid>/fd and store the inodes of "socket:[N]" ones,
 * appending to inodes[0 .. cap). Returns how many pids were scanned: fewer than npids when inodes[] filled up
 * during pid i (results[i] is then not written), so the caller grows inodes[] and calls again from pids + i. */
int64_t scope_scan_fds(const char *root, const int32_t *pids, size_t npids,
                       struct scope_fdscan *results, uint64_t *inodes, size_t cap);
