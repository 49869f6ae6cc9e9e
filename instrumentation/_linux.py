"""Two host-wide counts that psutil makes expensive, read the Linux way.

* Connections by transport and state: ``psutil.net_connections()`` also maps every
  socket to its process by scanning every ``/proc/<pid>/fd`` directory, which grows with
  the host's open files. A count needs only the states, which the kernel's sock_diag
  netlink interface dumps (what ``ss`` uses; no privileges needed). Reading
  ``/proc/net/{tcp,tcp6,udp,udp6}`` gives the same answer but walks the whole socket hash
  table in the kernel, 10-20 times slower on a large host, so it is only the fallback.
* Processes by state: one small read of ``/proc/<pid>/stat`` per process instead of a
  psutil ``Process`` object each.

Elsewhere, or when neither is available, both fall back to psutil.
"""

from __future__ import annotations

import os
import socket
import struct
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

import psutil

__all__ = [
    "ConnectionKey",
    "connection_counts",
    "connection_counts_netlink",
    "connection_counts_proc",
    "connection_counts_psutil",
    "parse_diag_messages",
    "process_state_counts",
    "process_state_counts_psutil",
]

ConnectionKey = tuple[str, str | None]
"""(``network.transport``, ``network.connection.state`` or None for UDP)."""

PROC: Final = Path("/proc")

# include/net/tcp_states.h; names as in the network.connection.state semantic convention.
_TCP_STATES: Final[Mapping[str, str]] = {
    "01": "established",
    "02": "syn_sent",
    "03": "syn_received",
    "04": "fin_wait_1",
    "05": "fin_wait_2",
    "06": "time_wait",
    "07": "closed",
    "08": "close_wait",
    "09": "last_ack",
    "0A": "listen",
    "0B": "closing",
    "0C": "syn_received",
}
_PSUTIL_TCP_STATES: Final[Mapping[str, str]] = {
    psutil.CONN_ESTABLISHED: "established",
    psutil.CONN_SYN_SENT: "syn_sent",
    psutil.CONN_SYN_RECV: "syn_received",
    psutil.CONN_FIN_WAIT1: "fin_wait_1",
    psutil.CONN_FIN_WAIT2: "fin_wait_2",
    psutil.CONN_TIME_WAIT: "time_wait",
    psutil.CONN_CLOSE: "closed",
    psutil.CONN_CLOSE_WAIT: "close_wait",
    psutil.CONN_LAST_ACK: "last_ack",
    psutil.CONN_LISTEN: "listen",
    psutil.CONN_CLOSING: "closing",
}
_NET_FILES: Final = (("tcp", "tcp"), ("tcp6", "tcp"), ("udp", "udp"), ("udp6", "udp"))

# linux/netlink.h, linux/sock_diag.h, linux/inet_diag.h
_NETLINK_SOCK_DIAG: Final = 4
_SOCK_DIAG_BY_FAMILY: Final = 20
_NLM_F_REQUEST: Final = 0x1
_NLM_F_DUMP: Final = 0x300
_NLMSG_ERROR: Final = 2
_NLMSG_DONE: Final = 3
_NLMSG_HEADER: Final = struct.Struct("=IHHII")
_ALL_STATES: Final = 0xFFFFFFFF
_DIAG_REQUEST_SIZE: Final = 56  # inet_diag_req_v2
_MAX_DUMP_BYTES: Final = 64 * 1024 * 1024
_DIAG_QUERIES: Final = (
    (socket.AF_INET, socket.IPPROTO_TCP, "tcp"),
    (socket.AF_INET6, socket.IPPROTO_TCP, "tcp"),
    (socket.AF_INET, socket.IPPROTO_UDP, "udp"),
    (socket.AF_INET6, socket.IPPROTO_UDP, "udp"),
)

# The process.state semantic convention has four values; /proc has more letters.
_PROC_STATES: Final[Mapping[str, str]] = {
    "R": "running",
    "S": "sleeping",
    "D": "sleeping",
    "I": "sleeping",
    "W": "sleeping",
    "P": "sleeping",
    "K": "sleeping",
    "T": "stopped",
    "t": "stopped",
    "Z": "defunct",
    "X": "defunct",
    "x": "defunct",
}
_PSUTIL_PROC_STATES: Final[Mapping[str, str]] = {
    # psutil's STATUS_* strings; not every constant exists on every platform.
    "running": "running",
    "sleeping": "sleeping",
    "disk-sleep": "sleeping",
    "idle": "sleeping",
    "waiting": "sleeping",
    "parked": "sleeping",
    "waking": "sleeping",
    "locked": "sleeping",
    "wake-kill": "sleeping",
    "stopped": "stopped",
    "tracing-stop": "stopped",
    "zombie": "defunct",
    "dead": "defunct",
}


def connection_counts(proc: Path = PROC) -> dict[ConnectionKey, int]:
    """Open inet sockets by (transport, state); UDP sockets have no state.

    sock_diag over netlink where it works, else ``proc``'s ``net`` files, else psutil.
    """
    try:
        return connection_counts_netlink()
    except OSError:
        pass
    if (proc / "net" / "tcp").exists():
        return connection_counts_proc(proc)
    return connection_counts_psutil()


def connection_counts_netlink() -> dict[ConnectionKey, int]:
    """The count from a sock_diag dump per family and protocol.

    Raises ``OSError`` when netlink or sock_diag is unavailable (not Linux, a sandbox).
    """
    family = getattr(socket, "AF_NETLINK", None)
    if family is None:
        raise OSError("no netlink sockets on this platform")
    counts: Counter[ConnectionKey] = Counter()
    for address_family, protocol, transport in _DIAG_QUERIES:
        with socket.socket(family, socket.SOCK_RAW, _NETLINK_SOCK_DIAG) as sock:
            try:
                states = list(_dump(sock, address_family, protocol))
            except OSError:
                if address_family == socket.AF_INET6:
                    continue  # a kernel without IPv6
                raise
        for state_code in states:
            if transport == "udp":
                counts[("udp", None)] += 1
                continue
            state = _TCP_STATES.get(f"{state_code:02X}")
            if state is not None:
                counts[("tcp", state)] += 1
    return dict(counts)


def _dump(sock: socket.socket, address_family: int, protocol: int) -> Iterator[int]:
    request = struct.pack("=BBBBI", address_family, protocol, 0, 0, _ALL_STATES)
    request += bytes(_DIAG_REQUEST_SIZE - len(request))
    header = _NLMSG_HEADER.pack(
        _NLMSG_HEADER.size + len(request), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST | _NLM_F_DUMP, 1, 0
    )
    sock.sendall(header + request)
    received = 0
    while received < _MAX_DUMP_BYTES:
        data = sock.recv(65536)
        if not data:
            return
        received += len(data)
        states, done = parse_diag_messages(data)
        yield from states
        if done:
            return
    raise OSError("sock_diag dump did not end")


def parse_diag_messages(data: bytes) -> tuple[list[int], bool]:
    """The TCP states of the ``inet_diag_msg`` records in one netlink read, and whether
    the dump is done. Raises ``OSError`` for a netlink error message."""
    states: list[int] = []
    offset = 0
    while offset + _NLMSG_HEADER.size <= len(data):
        length, kind, _, _, _ = _NLMSG_HEADER.unpack_from(data, offset)
        if kind == _NLMSG_DONE:
            return states, True
        if kind == _NLMSG_ERROR:
            raise OSError("sock_diag refused the dump")
        if length < _NLMSG_HEADER.size + 2:
            raise OSError("malformed sock_diag message")
        states.append(data[offset + _NLMSG_HEADER.size + 1])  # inet_diag_msg.idiag_state
        offset += (length + 3) & ~3
    return states, False


def connection_counts_proc(proc: Path = PROC) -> dict[ConnectionKey, int]:
    """The count from ``/proc/net/{tcp,tcp6,udp,udp6}``."""
    counts: Counter[ConnectionKey] = Counter()
    for filename, transport in _NET_FILES:
        try:
            lines = (proc / "net" / filename).read_bytes().splitlines()[1:]
        except OSError:
            continue  # no IPv6 in this kernel, for one
        for line in lines:
            fields = line.split(None, 4)
            if len(fields) < 4:
                continue
            state = _TCP_STATES.get(fields[3].decode("ascii")) if transport == "tcp" else None
            if transport == "tcp" and state is None:
                continue
            counts[(transport, state)] += 1
    return dict(counts)


def connection_counts_psutil() -> dict[ConnectionKey, int]:
    """The portable count, through ``psutil.net_connections``."""
    counts: Counter[ConnectionKey] = Counter()
    for conn in psutil.net_connections(kind="inet"):
        if conn.type == socket.SOCK_STREAM:
            state = _PSUTIL_TCP_STATES.get(conn.status)
            if state is not None:
                counts[("tcp", state)] += 1
        elif conn.type == socket.SOCK_DGRAM:
            counts[("udp", None)] += 1
    return dict(counts)


def process_state_counts(proc: Path = PROC) -> dict[str, int]:
    """Processes on the host by ``process.state`` (running, sleeping, stopped, defunct)."""
    try:
        names = os.listdir(proc)
    except OSError:
        return process_state_counts_psutil()
    if not (proc / "self" / "stat").exists():
        return process_state_counts_psutil()
    counts: Counter[str] = Counter()
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(proc / name / "stat", "rb") as handle:
                data = handle.read(512)
        except OSError:
            continue  # the process ended between listdir and open
        end = data.rfind(b")")
        if end < 0 or end + 2 >= len(data):
            continue
        state = _PROC_STATES.get(chr(data[end + 2]))
        if state is not None:
            counts[state] += 1
    return dict(counts)


def process_state_counts_psutil() -> dict[str, int]:
    """The portable count, through ``psutil.process_iter``."""
    counts: Counter[str] = Counter()
    for process in psutil.process_iter(["status"]):
        state = _PSUTIL_PROC_STATES.get(process.info.get("status", ""))
        if state is not None:
            counts[state] += 1
    return dict(counts)
