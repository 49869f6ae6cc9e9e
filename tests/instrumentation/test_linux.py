"""Connection and process counts: sock_diag, a /proc tree (a real one and a made-up one)."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import psutil
import pytest

from instrumentation._linux import (
    connection_counts,
    connection_counts_netlink,
    connection_counts_proc,
    connection_counts_psutil,
    parse_diag_messages,
    process_state_counts,
    process_state_counts_psutil,
)

HEADER = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n"


def _socket(state: str) -> bytes:
    return f"   0: 0100007F:1F90 00000000:0000 {state} 00000000:00000000 00:00000000 0 0\n".encode()


def fake_proc(root: Path) -> Path:
    net = root / "net"
    net.mkdir(parents=True)
    (net / "tcp").write_bytes(HEADER + _socket("0A") + _socket("01") * 3 + _socket("06"))
    (net / "tcp6").write_bytes(HEADER + _socket("0A") + _socket("0C") + _socket("FF") + b"junk\n")
    (net / "udp").write_bytes(HEADER + _socket("07") * 2)
    # no udp6: a kernel without IPv6
    (root / "self").mkdir()
    (root / "self" / "stat").write_bytes(b"1 (x) R 0")
    for pid, state in ((1, "S"), (2, "R"), (3, "Z"), (4, "T"), (5, "D"), (6, "I"), (7, "?")):
        (root / str(pid)).mkdir()
        (root / str(pid) / "stat").write_bytes(f"{pid} (name with ) paren) {state} 1 1".encode())
    (root / "8").mkdir()  # the process ended: no stat file
    (root / "9").mkdir()
    (root / "9" / "stat").write_bytes(b"9 (broken")
    return root


def test_connections_by_transport_and_state_from_proc(tmp_path: Path) -> None:
    assert connection_counts_proc(fake_proc(tmp_path)) == {
        ("tcp", "listen"): 2,
        ("tcp", "established"): 3,
        ("tcp", "time_wait"): 1,
        ("tcp", "syn_received"): 1,
        ("udp", None): 2,
    }


def test_processes_by_state(tmp_path: Path) -> None:
    assert process_state_counts(fake_proc(tmp_path)) == {
        "sleeping": 3,
        "running": 1,
        "defunct": 1,
        "stopped": 1,
    }


def test_without_proc_the_process_counts_come_from_psutil(tmp_path: Path) -> None:
    processes = process_state_counts(tmp_path / "no-proc")
    assert set(processes) <= {"running", "sleeping", "stopped", "defunct"}
    assert sum(processes.values()) > 0


def _record(state: int, length: int = 88) -> bytes:
    header = struct.pack("=IHHII", length, 20, 2, 1, 0)
    return header + bytes([2, state]) + bytes(length - 18)


def test_sock_diag_messages_are_parsed() -> None:
    done = struct.pack("=IHHII", 20, 3, 2, 1, 0) + bytes(4)
    assert parse_diag_messages(_record(10) + _record(1) + _record(6)) == ([10, 1, 6], False)
    assert parse_diag_messages(_record(1) + done) == ([1], True)
    with pytest.raises(OSError, match="refused"):
        parse_diag_messages(struct.pack("=IHHII", 36, 2, 0, 1, 0) + bytes(20))
    with pytest.raises(OSError, match="malformed"):
        parse_diag_messages(struct.pack("=IHHII", 16, 20, 2, 1, 0))


def test_sock_diag_sees_our_own_sockets() -> None:
    if not hasattr(socket, "AF_NETLINK"):
        pytest.skip("no netlink on this platform")
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        accepted, _ = server.accept()
        with client, accepted:
            try:
                counts = connection_counts_netlink()
            except OSError as exc:
                pytest.skip(f"sock_diag is not available here: {exc}")
            assert counts.get(("tcp", "listen"), 0) >= 1
            assert counts.get(("tcp", "established"), 0) >= 2
            assert {("tcp", "listen"), ("tcp", "established")} <= connection_counts().keys()


def test_the_real_proc_and_psutil_agree_on_the_categories() -> None:
    this_process = psutil.Process().status()
    assert this_process in {"running", "sleeping"}
    assert set(process_state_counts()) <= {"running", "sleeping", "stopped", "defunct"}
    assert set(process_state_counts_psutil()) <= {"running", "sleeping", "stopped", "defunct"}
    states = {state for _, state in connection_counts()} | {
        state for _, state in connection_counts_psutil()
    }
    assert states <= {
        None, "established", "syn_sent", "syn_received", "fin_wait_1", "fin_wait_2",
        "time_wait", "closed", "close_wait", "last_ack", "listen", "closing",
    }  # fmt: skip
