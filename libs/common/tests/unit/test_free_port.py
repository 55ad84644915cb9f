"""Ports for the embedded servers and the services are picked where no outgoing connection goes."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tzsb_common.embedded import _process
from tzsb_common.embedded._process import free_port


def test_ports_lie_below_the_ephemeral_range_and_are_never_handed_out_twice() -> None:
    low, _ = _process._ephemeral_range()
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(_process._LOWEST_PICKED_PORT <= port < low for port in ports)


def test_a_port_that_is_listened_on_is_not_picked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        # A range of exactly one usable port (the taken one) leaves only the OS's own pick.
        range_file = tmp_path / "range"
        range_file.write_text(f"{taken + 1}\t{taken + 2}\n")
        monkeypatch.setattr(_process, "_EPHEMERAL_RANGE", range_file)
        monkeypatch.setattr(_process, "_LOWEST_PICKED_PORT", taken - 999)
        monkeypatch.setattr(_process, "_handed_out", set(range(taken - 999, taken)))
        assert free_port() != taken


def test_a_narrow_or_unreadable_range_falls_back_to_the_os(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_process, "_EPHEMERAL_RANGE", tmp_path / "absent")
    assert _process._ephemeral_range() == (32_768, 60_999)
    range_file = tmp_path / "range"
    range_file.write_text("10500 60999\n")
    monkeypatch.setattr(_process, "_EPHEMERAL_RANGE", range_file)
    port = free_port()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))
