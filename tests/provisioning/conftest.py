"""A provisioned deployment and its broker running the generated TLS + ACL configuration."""

from __future__ import annotations

import getpass
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from demo.processes import Managed, find_mosquitto, free_port, python_module, wait_for_port


def provision(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m provisioning --home home args` and return the finished process."""
    argv = python_module("provisioning", "--home", str(home), *args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


@dataclass
class Deployment:
    """A provisioning home with two booths and the broker started from its generated config."""

    home: Path
    port: int
    broker: Managed

    def bundle(self, booth_id: str) -> Path:
        """A booth's bundle directory."""
        return self.home / "booths" / booth_id

    def restart_broker(self) -> None:
        """Stop and start the broker with the current generated files."""
        self.broker.stop()
        self.broker.start()
        wait_for_port(self.port, proc=self.broker.proc)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    """init + two add-booth, then Mosquitto with broker/mosquitto.conf exactly as generated."""
    home = tmp_path / "pv"
    port = free_port()
    for args in (
        ("init", "--hub-host", "127.0.0.1", "--broker-port", str(port), "--run-as", getpass.getuser()),
        ("add-booth", "BD-1000-01", "--name", "Dhaka GPO"),
        ("add-booth", "BD-4000-01", "--name", "Chattogram GPO"),
    ):
        result = provision(home, *args)
        assert result.returncode == 0, result.stderr
    conf = home / "broker" / "mosquitto.conf"
    broker = Managed("mosquitto", [find_mosquitto(), "-c", str(conf)], home / "broker" / "mosquitto.out")
    broker.start()
    try:
        wait_for_port(port, proc=broker.proc)
        yield Deployment(home, port, broker)
    finally:
        broker.stop()
