"""Two host-wide counts that psutil makes expensive, read from ``/proc`` on Linux.

* Connections by transport and state: ``psutil.net_connections()`` also maps every
  socket to its process by scanning every ``/proc/<pid>/fd`` directory, which grows with
  the host's open files. The state column of ``/proc/net/{tcp,tcp6,udp,udp6}`` is all a
  count needs.
* Processes by state: one small read of ``/proc/<pid>/stat`` per process instead of a
  psutil ``Process`` object each.

Elsewhere, or when ``/proc`` is not mounted, both fall back to psutil.
"""

from __future__ import annotations

import os
import socket
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import psutil

__all__ = [
    "ConnectionKey",
    "connection_counts",
    "connection_counts_psutil",
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
    """Open inet sockets by (transport, state); UDP sockets have no state."""
    if not (proc / "net" / "tcp").exists():
        return connection_counts_psutil()
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
