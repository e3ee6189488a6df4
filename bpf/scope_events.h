/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The ABI between scope_tcp.bpf.c and scopeprobe.ebpf: every struct the kernel side writes and user space reads
 * (ring buffer records, flow map keys and values, the .bss block) or user space writes and the kernel reads
 * (the .rodata config).
 *
 * scopeprobe/ebpf/events.py feeds this file verbatim to cffi's cdef, so: fixed-width __uNN fields only,
 * addresses as __u8[16] plus a family, explicit padding (no hole the compiler could fill differently), no unions,
 * no __int128, no #include or #define. tests/unit/test_ebpf_abi.py checks each layout against the Python struct
 * formats that decode it.
 */

enum scope_event_type {
	SCOPE_EVENT_CONNECT = 1, /* an outgoing connection reached ESTABLISHED */
	SCOPE_EVENT_ACCEPT = 2,  /* accept() returned an established connection */
	SCOPE_EVENT_CLOSE = 3,   /* a connection reached CLOSE */
	SCOPE_EVENT_FAILED = 4,  /* connect() failed, or SYN_SENT -> CLOSE (refused, timed out, unreachable) */
};

/* One ring buffer record: 64 bytes. Addresses are in network order (IPv4 in the first 4 bytes), ports in
 * host order, "s" is always the local end. pid is the thread group id captured in process context (connect,
 * accept), 0 if the socket predates the tracker. */
struct scope_tcp_event {
	__u64 ts_ns; /* bpf_ktime_get_ns: CLOCK_MONOTONIC */
	__u32 pid;
	__u32 netns; /* network namespace inode */
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 type; /* enum scope_event_type */
	__u8 family; /* AF_INET (2) or AF_INET6 (10) */
	__u8 _pad0[2];
	__u32 error; /* FAILED: the errno (ECONNREFUSED, ETIMEDOUT...), 0 if unknown */
	__u32 _pad1;
};

/* The key of the flow maps: 48 bytes, zeroed before filling so the padding hashes the same every time. For an
 * unconnected UDP socket daddr and dport are zero (the peer is per datagram and not visible at this hook). */
struct scope_flow_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 netns;
	__u16 sport;
	__u16 dport;
	__u8 family;
	__u8 protocol; /* IPPROTO_TCP (6) or IPPROTO_UDP (17) */
	__u8 _pad[6];
};

/* Counts since the last drain: 32 bytes. pid is the last process that sent or received on the flow (0 if only
 * retransmits were seen, which run in softirq). */
struct scope_flow_stats {
	__u64 bytes_sent;
	__u64 bytes_received;
	__u32 retransmits;
	__u32 pid;
	__u32 sends;
	__u32 receives;
};

/* .rodata, set by the loader before load; the verifier then prunes what a setting turns off. */
struct scope_config {
	__u32 netns; /* only this network namespace inode; 0: all */
	__u32 self_pid; /* ignore this process's own sockets (the probe's report traffic); 0: none */
	__u8 track_bytes; /* per-flow byte counts (TCP and UDP) */
	__u8 track_udp;
	__u8 track_retransmits;
	__u8 close_untracked; /* also report CLOSE of connections opened before the tracker started */
	__u32 wakeup_bytes; /* wake the reader only once this much is queued (0: on every record) */
};

/* .bss, shared memory between the programs and the loader (libbpf mmaps it). */
struct scope_shared {
	__u32 flow_buffer; /* which flow map the programs write (0: flows0, 1: flows1); flipped by the loader */
	__u32 _pad;
	__u64 events_lost; /* ring buffer full */
	__u64 flows_lost; /* flow map full */
	__u64 socks_lost; /* socket map full: a pid will be missing from a later event */
};
