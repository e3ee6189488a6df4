// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * scope_tcp: TCP connections (connect, accept, close, failed connects) with pid and network namespace, and
 * per-flow byte and retransmit counts for TCP and UDP. After bcc's libbpf-tools/tcptracer, but:
 *
 * - every hook has up to four variants (fentry/fexit, tp_btf, classic tracepoint, kprobe); the loader
 *   (scopeprobe/ebpf/variants.py) autoloads one variant per hook, chosen by feature probing, so this object
 *   holds more programs than ever run at once;
 * - open/close events go to a ring buffer, but byte counts are aggregated in a hash map keyed by flow and
 *   drained by user space once per tick (a report never needs one record per send);
 * - the pid comes from process context only (connect, accept, send, recv): inet_sock_set_state often runs in
 *   softirq, where "current" is whoever was interrupted, so a socket map remembers the owner.
 *
 * Every kernel struct is read with CO-RE, so one object built against any vmlinux.h runs on any kernel with
 * BTF. The dual licence is the kernel's requirement for the GPL-only helpers (bpf_probe_read_kernel).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "scope_events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define MSG_PEEK 2
#define EINTR 4
#define EISCONN 106
#define EALREADY 114
#define EINPROGRESS 115
#define ERESTARTSYS 512 /* kernel-internal: a signal interrupted a blocking connect, which goes on */
#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* Socket map flags. */
#define SK_CONNECTING 1 /* connect() entered, the outcome not reported yet */
#define SK_REPORTED 2 /* CONNECT or ACCEPT was emitted */
#define SK_IGNORED 4 /* the probe's own socket (cfg.self_pid) */

extern int LINUX_KERNEL_VERSION __kconfig;

const volatile struct scope_config cfg = {};

struct scope_shared shared = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* resized by the loader */
} events SEC(".maps");

/* Two flow maps: the programs write the one shared.flow_buffer names while the loader drains the other, so no
 * count lands in an entry the loader is deleting. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct scope_flow_key);
	__type(value, struct scope_flow_stats);
} flows0 SEC(".maps"), flows1 SEC(".maps");

struct sock_info {
	__u32 pid;
	__u32 flags;
};

/* Sockets seen in process context, by struct sock address: who owns them. LRU, so a socket whose CLOSE was
 * missed cannot leak an entry for ever. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct sock_info);
} socks SEC(".maps");

/* connect() between entry and exit, by thread id: the socket and the address asked for, which the exit needs
 * when the connect fails before the socket has a destination. */
struct pending_connect {
	__u64 sk;
	__u8 daddr[16];
	__u16 dport;
	__u16 family;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pending_connect);
} connects SEC(".maps");

/* kprobe variant of the byte counters: the socket and flags from the entry probe, by thread id. */
struct pending_msg {
	__u64 sk;
	__u32 flags;
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct pending_msg);
} msgs SEC(".maps");

/* ---------------------------------------------------------------------------------------------------- helpers */

static __always_inline __u32 current_pid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

static __always_inline __u32 sk_netns(const struct sock *sk)
{
	return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
}

/* Cheaper than netns_wanted where the inode is not needed: with no filter the verifier drops the read. */
static __always_inline bool netns_filter(const struct sock *sk)
{
	return cfg.netns == 0 || cfg.netns == sk_netns(sk);
}

static __always_inline bool netns_wanted(const struct sock *sk, __u32 *netns)
{
	*netns = sk_netns(sk);
	return cfg.netns == 0 || cfg.netns == *netns;
}

/* Local and remote address and port of an inet socket; false for other families. */
static __always_inline bool sk_tuple(const struct sock *sk, __u16 family, __u8 saddr[16], __u8 daddr[16],
				     __u16 *sport, __u16 *dport)
{
	if (family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)daddr, sk, __sk_common.skc_daddr);
	} else if (family == AF_INET6) {
		BPF_CORE_READ_INTO((struct in6_addr *)saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)daddr, sk, __sk_common.skc_v6_daddr);
	} else {
		return false;
	}
	/* inet_sport, not skc_num: tcp_set_state(TCP_CLOSE) releases the port (skc_num = 0) before the tracepoint. */
	*sport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	*dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	return true;
}

static __always_inline bool sk_is_tcp(const struct sock *sk)
{
	/* sk_protocol and sk_type were bitfields before Linux 5.6: the PROBED reader handles both layouts. */
	return BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_TCP &&
	       BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type) == SOCK_STREAM;
}

/* The struct sock behind a file descriptor of the current task, or NULL if it is not a socket. */
static __always_inline struct sock *fd_sock(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;
	struct socket *sock;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_core_read(&file, sizeof(file), &fds[fd]);
	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return BPF_CORE_READ(sock, sk);
}

/* Emit one event, the tuple read from the socket; a pending connect supplies the destination if the socket has
 * none yet (connect failed before it was set). */
static __always_inline void emit(const struct sock *sk, __u8 type, __u32 pid, __u32 error,
				 const struct pending_connect *pc)
{
	struct scope_tcp_event *e;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u64 flags = 0;
	__u32 netns;

	if ((family != AF_INET && family != AF_INET6) || !netns_wanted(sk, &netns))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&shared.events_lost, 1);
		return;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = pid;
	e->netns = netns;
	e->type = type;
	e->family = family;
	e->error = error;
	sk_tuple(sk, family, e->saddr, e->daddr, &e->sport, &e->dport);
	if (pc && e->dport == 0 && pc->family == family) {
		__builtin_memcpy(e->daddr, pc->daddr, sizeof(e->daddr));
		e->dport = pc->dport;
	}
	/* The reader drains once per tick: waking it for every connection would cost a context switch each. */
	if (cfg.wakeup_bytes)
		flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg.wakeup_bytes ? BPF_RB_FORCE_WAKEUP
											    : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/* ---------------------------------------------------------------------------------- connect, accept, state */

/* connect() on a TCP socket begins, in process context: remember the owner for the state changes to come.
 * NOEXIST keeps the owner of a socket connect() is called on again (EALREADY, EISCONN). */
static __always_inline void connect_begin(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u32 pid = current_pid();
	struct sock_info si = { .pid = pid, .flags = SK_CONNECTING };

	if (cfg.self_pid && pid == cfg.self_pid)
		si.flags = SK_IGNORED;
	if (bpf_map_update_elem(&socks, &key, &si, BPF_NOEXIST) && !bpf_map_lookup_elem(&socks, &key))
		__sync_fetch_and_add(&shared.socks_lost, 1);
}

/* connect() returned: an error other than "in progress" is a failed connect, unless the state change
 * (SYN_SENT -> CLOSE, e.g. a refused blocking connect) already reported it and dropped the entry. */
static __always_inline void connect_end(const struct sock *sk, long ret, const struct pending_connect *pc)
{
	__u64 key = (__u64)sk;
	struct sock_info *si;

	if (ret == 0 || ret == -EINPROGRESS || ret == -EALREADY || ret == -EISCONN || ret == -EINTR ||
	    ret == -ERESTARTSYS)
		return;
	si = bpf_map_lookup_elem(&socks, &key);
	if (!si || !(si->flags & SK_CONNECTING))
		return;
	emit(sk, SCOPE_EVENT_FAILED, si->pid, (__u32)-ret, pc);
	bpf_map_delete_elem(&socks, &key);
}

/* accept() returned a new connection, in process context. */
static __always_inline void accept_end(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u32 pid = current_pid();
	struct sock_info si = { .pid = pid, .flags = SK_REPORTED };

	if (!sk || !sk_is_tcp(sk) || !netns_filter(sk))
		return;
	if (cfg.self_pid && pid == cfg.self_pid) {
		si.flags = SK_IGNORED;
		bpf_map_update_elem(&socks, &key, &si, BPF_ANY);
		return;
	}
	if (bpf_map_update_elem(&socks, &key, &si, BPF_ANY))
		__sync_fetch_and_add(&shared.socks_lost, 1);
	emit(sk, SCOPE_EVENT_ACCEPT, pid, 0, NULL);
}

/* Seven of a connection's ten state changes matter to nobody here: leave before touching the socket. */
static __always_inline bool interesting_change(int oldstate, int newstate)
{
	return newstate == TCP_CLOSE || (oldstate == TCP_SYN_SENT && newstate == TCP_ESTABLISHED);
}

/* Any context (often softirq): the pid comes from the socket map. */
static __always_inline void state_change(const struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk;
	struct sock_info *si;

	if (oldstate == TCP_SYN_SENT && newstate == TCP_ESTABLISHED) {
		si = bpf_map_lookup_elem(&socks, &key);
		if (si && (si->flags & SK_IGNORED))
			return;
		if (si)
			si->flags = SK_REPORTED;
		emit(sk, SCOPE_EVENT_CONNECT, si ? si->pid : 0, 0, NULL);
		return;
	}
	if (newstate != TCP_CLOSE)
		return;
	si = bpf_map_lookup_elem(&socks, &key);
	if (si && (si->flags & SK_IGNORED)) {
		/* not ours to report */
	} else if (oldstate == TCP_SYN_SENT) {
		emit(sk, SCOPE_EVENT_FAILED, si ? si->pid : 0, BPF_CORE_READ(sk, sk_err), NULL);
	} else if (si && (si->flags & SK_REPORTED)) {
		emit(sk, SCOPE_EVENT_CLOSE, si->pid, 0, NULL);
	} else if (cfg.close_untracked && oldstate != TCP_LISTEN && oldstate != TCP_SYN_RECV && oldstate != TCP_CLOSE) {
		emit(sk, SCOPE_EVENT_CLOSE, 0, 0, NULL);
	}
	if (si)
		bpf_map_delete_elem(&socks, &key);
}

/* A socket is freed: drop what is left of it (the map is LRU as well, this just keeps it small). */
static __always_inline void sock_destroyed(const struct sock *sk)
{
	__u64 key = (__u64)sk;

	bpf_map_delete_elem(&socks, &key);
}

/* The destination of a connect() from its sockaddr: user memory of `len` bytes (a sockaddr_in may end a page,
 * so read 16 bytes first, and the rest only for an IPv6 address), or the kernel's copy (a sockaddr_storage)
 * when len is 0. Constant sizes: the verifier loses the bound of a clamped length. */
static __always_inline void read_sockaddr(struct pending_connect *pc, const void *addr, __u32 len)
{
	struct sockaddr_in6 sa = {};

	if (!len) {
		bpf_probe_read_kernel(&sa, sizeof(sa), addr);
	} else {
		bpf_probe_read_user(&sa, sizeof(struct sockaddr_in), addr);
		if (sa.sin6_family == AF_INET6 && len >= sizeof(sa))
			bpf_probe_read_user(&sa, sizeof(sa), addr);
	}
	pc->family = sa.sin6_family;
	pc->dport = bpf_ntohs(sa.sin6_port);
	if (sa.sin6_family == AF_INET)
		__builtin_memcpy(pc->daddr, &((struct sockaddr_in *)&sa)->sin_addr, 4);
	else if (sa.sin6_family == AF_INET6)
		__builtin_memcpy(pc->daddr, &sa.sin6_addr, 16);
}

/* ------------------------------------------------------------------------------------------------ flow maps */

static __always_inline struct scope_flow_stats *flow_entry(void *map, const struct scope_flow_key *key)
{
	struct scope_flow_stats zero = {}; /* on the stack: .rodata must hold nothing but cfg */
	struct scope_flow_stats *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, &zero, BPF_NOEXIST); /* EEXIST: another CPU created it first, fine */
	return bpf_map_lookup_elem(map, key);
}

/* Add to the flow of a socket. pid 0: not in process context (retransmits), keep the recorded owner. */
static __always_inline void flow_add(const struct sock *sk, __u16 family, __u8 protocol, __u64 sent,
				     __u64 received, __u32 retransmits, __u32 pid)
{
	struct scope_flow_key key;
	struct scope_flow_stats *v;
	__u32 netns;

	if (protocol != IPPROTO_TCP && (protocol != IPPROTO_UDP || !cfg.track_udp))
		return;
	if ((family != AF_INET && family != AF_INET6) || !netns_wanted(sk, &netns))
		return;
	__builtin_memset(&key, 0, sizeof(key));
	key.netns = netns;
	key.family = family;
	key.protocol = protocol;
	sk_tuple(sk, family, key.saddr, key.daddr, &key.sport, &key.dport);
	/* Two literal calls, not a pointer chosen at run time: each call site keeps a constant map for the verifier. */
	if (shared.flow_buffer & 1)
		v = flow_entry(&flows1, &key);
	else
		v = flow_entry(&flows0, &key);
	if (!v) {
		__sync_fetch_and_add(&shared.flows_lost, 1);
		return;
	}
	if (sent) {
		__sync_fetch_and_add(&v->bytes_sent, sent);
		__sync_fetch_and_add(&v->sends, 1);
	}
	if (received) {
		__sync_fetch_and_add(&v->bytes_received, received);
		__sync_fetch_and_add(&v->receives, 1);
	}
	if (retransmits)
		__sync_fetch_and_add(&v->retransmits, retransmits);
	if (pid)
		v->pid = pid;
}

/* A send or receive of `ret` bytes on any socket (the sock_*_length tracepoints fire for every family). */
static __always_inline void msg_length(const struct sock *sk, __u16 family, __u16 protocol, int ret, int flags,
				       bool send)
{
	__u32 pid;

	if (!cfg.track_bytes || ret <= 0 || (!send && (flags & MSG_PEEK)))
		return;
	if (family != AF_INET && family != AF_INET6)
		return;
	pid = current_pid();
	if (cfg.self_pid && pid == cfg.self_pid)
		return;
	if (send)
		flow_add(sk, family, protocol, ret, 0, 0, pid);
	else
		flow_add(sk, family, protocol, 0, ret, 0, pid);
}

static __always_inline void msg_length_sk(const struct sock *sk, int ret, int flags, bool send)
{
	if (!cfg.track_bytes || ret <= 0)
		return;
	msg_length(sk, BPF_CORE_READ(sk, __sk_common.skc_family), BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol),
		   ret, flags, send);
}

static __always_inline void retransmit(const struct sock *sk)
{
	if (!cfg.track_retransmits)
		return;
	flow_add(sk, BPF_CORE_READ(sk, __sk_common.skc_family), IPPROTO_TCP, 0, 0, 1, 0);
}

/* -------------------------------------------------------------------------------- variant: classic tracepoints
 * Context layouts from the tracepoints' format files: stable ABI, so declared here rather than relocated
 * against trace_event_raw_* types whose names change between kernels. */

struct tp_sys_enter {
	__u64 _common;
	long id;
	unsigned long args[6];
};

struct tp_sys_exit {
	__u64 _common;
	long id;
	long ret;
};

struct tp_inet_sock_set_state {
	__u64 _common;
	const void *skaddr;
	int oldstate;
	int newstate;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 protocol;
};

struct tp_sk {
	__u64 _common;
	const void *skaddr;
};

struct tp_sk_skb {
	__u64 _common;
	const void *skbaddr;
	const void *skaddr;
};

struct tp_msg_length {
	__u64 _common;
	void *sk;
	__u16 family;
	__u16 protocol;
	int ret;
	int flags;
};

SEC("tracepoint/syscalls/sys_enter_connect")
int tp_enter_connect(struct tp_sys_enter *ctx)
{
	struct sock *sk = fd_sock((int)ctx->args[0]);
	struct pending_connect pc = {};
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (!sk || !sk_is_tcp(sk) || !netns_filter(sk))
		return 0;
	connect_begin(sk);
	pc.sk = (__u64)sk;
	read_sockaddr(&pc, (const void *)ctx->args[1], (__u32)ctx->args[2]);
	bpf_map_update_elem(&connects, &tid, &pc, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_connect")
int tp_exit_connect(struct tp_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_connect *pc = bpf_map_lookup_elem(&connects, &tid);

	if (!pc)
		return 0;
	connect_end((const struct sock *)pc->sk, ctx->ret, pc);
	bpf_map_delete_elem(&connects, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tp_exit_accept4(struct tp_sys_exit *ctx)
{
	if (ctx->ret >= 0)
		accept_end(fd_sock((int)ctx->ret));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int tp_exit_accept(struct tp_sys_exit *ctx)
{
	if (ctx->ret >= 0)
		accept_end(fd_sock((int)ctx->ret));
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int tp_set_state(struct tp_inet_sock_set_state *ctx)
{
	if (ctx->protocol == IPPROTO_TCP && interesting_change(ctx->oldstate, ctx->newstate))
		state_change(ctx->skaddr, ctx->oldstate, ctx->newstate);
	return 0;
}

SEC("tracepoint/tcp/tcp_destroy_sock")
int tp_destroy_sock(struct tp_sk *ctx)
{
	sock_destroyed(ctx->skaddr);
	return 0;
}

SEC("tracepoint/sock/sock_send_length")
int tp_send_length(struct tp_msg_length *ctx)
{
	msg_length(ctx->sk, ctx->family, ctx->protocol, ctx->ret, ctx->flags, true);
	return 0;
}

SEC("tracepoint/sock/sock_recv_length")
int tp_recv_length(struct tp_msg_length *ctx)
{
	msg_length(ctx->sk, ctx->family, ctx->protocol, ctx->ret, ctx->flags, false);
	return 0;
}

SEC("tracepoint/tcp/tcp_retransmit_skb")
int tp_retransmit(struct tp_sk_skb *ctx)
{
	retransmit(ctx->skaddr);
	return 0;
}

/* ---------------------------------------------------------------------------------------- variant: tp_btf
 * The same tracepoints as raw BTF tracepoints: no perf record is built, no tracefs needed, typed arguments. */

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(btf_set_state, const struct sock *sk, int oldstate, int newstate)
{
	if (interesting_change(oldstate, newstate) && BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) == IPPROTO_TCP)
		state_change(sk, oldstate, newstate);
	return 0;
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(btf_destroy_sock, const struct sock *sk)
{
	sock_destroyed(sk);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(btf_send_length, const struct sock *sk, int ret, int flags)
{
	msg_length_sk(sk, ret, flags, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(btf_recv_length, const struct sock *sk, int ret, int flags)
{
	msg_length_sk(sk, ret, flags, false);
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(btf_retransmit, const struct sock *sk)
{
	retransmit(sk);
	return 0;
}

/* --------------------------------------------------------------------------------- variant: fentry/fexit
 * Cheaper where allowed: connect and accept hooks fire for TCP only and hand over the socket, so no syscall
 * tracepoint on every connect() of every family and no fd table walk; the byte hooks skip unix and netlink
 * sockets entirely and work on kernels older than the sock_*_length tracepoints (6.4). Refused under lockdown. */

SEC("fentry/tcp_v4_connect")
int BPF_PROG(fentry_v4_connect, struct sock *sk)
{
	if (netns_filter(sk))
		connect_begin(sk);
	return 0;
}

SEC("fexit/tcp_v4_connect")
int BPF_PROG(fexit_v4_connect, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	struct pending_connect pc = {};

	if (ret) {
		read_sockaddr(&pc, uaddr, 0);
		connect_end(sk, ret, &pc);
	}
	return 0;
}

SEC("fentry/tcp_v6_connect")
int BPF_PROG(fentry_v6_connect, struct sock *sk)
{
	if (netns_filter(sk))
		connect_begin(sk);
	return 0;
}

SEC("fexit/tcp_v6_connect")
int BPF_PROG(fexit_v6_connect, struct sock *sk, struct sockaddr *uaddr, int addr_len, int ret)
{
	struct pending_connect pc = {};

	if (ret) {
		read_sockaddr(&pc, uaddr, 0);
		connect_end(sk, ret, &pc);
	}
	return 0;
}

/* inet_csk_accept lost two arguments in 6.10 (struct proto_accept_arg): bpf_get_func_ret (5.17) reads the
 * return value whatever the arity. */
SEC("fexit/inet_csk_accept")
int BPF_PROG(fexit_accept)
{
	__u64 ret = 0;

	bpf_get_func_ret(ctx, &ret);
	accept_end((const struct sock *)ret);
	return 0;
}

static __always_inline void fexit_msg(void *ctx, __u8 protocol, bool send)
{
	__u64 sk = 0, ret = 0, flags = 0;

	bpf_get_func_arg(ctx, 0, &sk);
	bpf_get_func_ret(ctx, &ret);
	/* recvmsg lost its "nonblock" argument in 5.19: flags is the 4th of 5 arguments, or the 5th of 6. */
	if (!send)
		bpf_get_func_arg(ctx, bpf_get_func_arg_cnt(ctx) == 6 ? 4 : 3, &flags);
	msg_length((const struct sock *)sk, BPF_CORE_READ((struct sock *)sk, __sk_common.skc_family), protocol,
		   (int)ret, (int)flags, send);
}

SEC("fexit/tcp_sendmsg")
int BPF_PROG(fexit_tcp_sendmsg)
{
	fexit_msg(ctx, IPPROTO_TCP, true);
	return 0;
}

SEC("fexit/tcp_recvmsg")
int BPF_PROG(fexit_tcp_recvmsg)
{
	fexit_msg(ctx, IPPROTO_TCP, false);
	return 0;
}

SEC("fexit/udp_sendmsg")
int BPF_PROG(fexit_udp_sendmsg)
{
	fexit_msg(ctx, IPPROTO_UDP, true);
	return 0;
}

SEC("fexit/udp_recvmsg")
int BPF_PROG(fexit_udp_recvmsg)
{
	fexit_msg(ctx, IPPROTO_UDP, false);
	return 0;
}

SEC("fexit/udpv6_sendmsg")
int BPF_PROG(fexit_udp6_sendmsg)
{
	fexit_msg(ctx, IPPROTO_UDP, true);
	return 0;
}

SEC("fexit/udpv6_recvmsg")
int BPF_PROG(fexit_udp6_recvmsg)
{
	fexit_msg(ctx, IPPROTO_UDP, false);
	return 0;
}

/* -------------------------------------------------------------------------------------- variant: kprobes
 * For kernels with neither fentry (before 5.5, or no BTF trampolines on the arch) nor the sock_*_length
 * tracepoints (before 6.4). Same hooks as fentry, with the entry's arguments kept by thread id. */

static __always_inline void kprobe_connect(struct sock *sk, const void *uaddr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_connect pc = {};

	if (!netns_filter(sk))
		return;
	connect_begin(sk);
	pc.sk = (__u64)sk;
	read_sockaddr(&pc, uaddr, 0);
	bpf_map_update_elem(&connects, &tid, &pc, BPF_ANY);
}

static __always_inline void kretprobe_connect(int ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_connect *pc = bpf_map_lookup_elem(&connects, &tid);

	if (!pc)
		return;
	connect_end((const struct sock *)pc->sk, ret, pc);
	bpf_map_delete_elem(&connects, &tid);
}

SEC("kprobe/tcp_v4_connect")
int BPF_KPROBE(kprobe_v4_connect, struct sock *sk, struct sockaddr *uaddr)
{
	kprobe_connect(sk, uaddr);
	return 0;
}

SEC("kretprobe/tcp_v4_connect")
int BPF_KRETPROBE(kretprobe_v4_connect, int ret)
{
	kretprobe_connect(ret);
	return 0;
}

SEC("kprobe/tcp_v6_connect")
int BPF_KPROBE(kprobe_v6_connect, struct sock *sk, struct sockaddr *uaddr)
{
	kprobe_connect(sk, uaddr);
	return 0;
}

SEC("kretprobe/tcp_v6_connect")
int BPF_KRETPROBE(kretprobe_v6_connect, int ret)
{
	kretprobe_connect(ret);
	return 0;
}

SEC("kretprobe/inet_csk_accept")
int BPF_KRETPROBE(kretprobe_accept, struct sock *newsk)
{
	accept_end(newsk);
	return 0;
}

static __always_inline void kprobe_msg(struct sock *sk, __u32 flags)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_msg pm = { .sk = (__u64)sk, .flags = flags };

	bpf_map_update_elem(&msgs, &tid, &pm, BPF_ANY);
}

static __always_inline void kretprobe_msg(int ret, __u8 protocol, bool send)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending_msg *pm = bpf_map_lookup_elem(&msgs, &tid);
	const struct sock *sk;

	if (!pm)
		return;
	sk = (const struct sock *)pm->sk;
	msg_length(sk, BPF_CORE_READ(sk, __sk_common.skc_family), protocol, ret, pm->flags, send);
	bpf_map_delete_elem(&msgs, &tid);
}

/* The recvmsg flags argument: 5th before 5.19, 4th since (see fexit_msg). Both registers are read before
 * choosing: choosing first becomes a ctx access at a computed offset, which the verifier refuses. */
static __always_inline __u32 recv_flags(struct pt_regs *ctx)
{
	__u64 p4 = PT_REGS_PARM4(ctx), p5 = PT_REGS_PARM5(ctx);

	barrier_var(p4);
	barrier_var(p5);
	return LINUX_KERNEL_VERSION >= KERNEL_VERSION(5, 19, 0) ? p4 : p5;
}

SEC("kprobe/tcp_sendmsg")
int BPF_KPROBE(kprobe_tcp_sendmsg, struct sock *sk)
{
	kprobe_msg(sk, 0);
	return 0;
}

SEC("kretprobe/tcp_sendmsg")
int BPF_KRETPROBE(kretprobe_tcp_sendmsg, int ret)
{
	kretprobe_msg(ret, IPPROTO_TCP, true);
	return 0;
}

SEC("kprobe/tcp_recvmsg")
int BPF_KPROBE(kprobe_tcp_recvmsg, struct sock *sk)
{
	kprobe_msg(sk, recv_flags(ctx));
	return 0;
}

SEC("kretprobe/tcp_recvmsg")
int BPF_KRETPROBE(kretprobe_tcp_recvmsg, int ret)
{
	kretprobe_msg(ret, IPPROTO_TCP, false);
	return 0;
}

SEC("kprobe/udp_sendmsg")
int BPF_KPROBE(kprobe_udp_sendmsg, struct sock *sk)
{
	kprobe_msg(sk, 0);
	return 0;
}

SEC("kretprobe/udp_sendmsg")
int BPF_KRETPROBE(kretprobe_udp_sendmsg, int ret)
{
	kretprobe_msg(ret, IPPROTO_UDP, true);
	return 0;
}

SEC("kprobe/udp_recvmsg")
int BPF_KPROBE(kprobe_udp_recvmsg, struct sock *sk)
{
	kprobe_msg(sk, recv_flags(ctx));
	return 0;
}

SEC("kretprobe/udp_recvmsg")
int BPF_KRETPROBE(kretprobe_udp_recvmsg, int ret)
{
	kretprobe_msg(ret, IPPROTO_UDP, false);
	return 0;
}

SEC("kprobe/udpv6_sendmsg")
int BPF_KPROBE(kprobe_udp6_sendmsg, struct sock *sk)
{
	kprobe_msg(sk, 0);
	return 0;
}

SEC("kretprobe/udpv6_sendmsg")
int BPF_KRETPROBE(kretprobe_udp6_sendmsg, int ret)
{
	kretprobe_msg(ret, IPPROTO_UDP, true);
	return 0;
}

SEC("kprobe/udpv6_recvmsg")
int BPF_KPROBE(kprobe_udp6_recvmsg, struct sock *sk)
{
	kprobe_msg(sk, recv_flags(ctx));
	return 0;
}

SEC("kretprobe/udpv6_recvmsg")
int BPF_KRETPROBE(kretprobe_udp6_recvmsg, int ret)
{
	kretprobe_msg(ret, IPPROTO_UDP, false);
	return 0;
}
