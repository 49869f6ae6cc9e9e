"""Connection and process counts read from a /proc tree (a real one and a made-up one)."""

from __future__ import annotations

from pathlib import Path

import psutil

from instrumentation._procfs import (
    connection_counts,
    connection_counts_psutil,
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


def test_connections_by_transport_and_state(tmp_path: Path) -> None:
    assert connection_counts(fake_proc(tmp_path)) == {
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


def test_without_proc_the_counts_come_from_psutil(tmp_path: Path) -> None:
    missing = tmp_path / "no-proc"
    connections = connection_counts(missing)
    processes = process_state_counts(missing)
    assert {transport for transport, _ in connections} <= {"tcp", "udp"}
    assert set(processes) <= {"running", "sleeping", "stopped", "defunct"}
    assert sum(processes.values()) > 0


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
