"""The loopback listener for local tools, only when asked: password required, reports read-only."""

from __future__ import annotations

import getpass
import stat
from pathlib import Path

from demo.processes import Managed, find_mosquitto, free_port, wait_for_port
from tests.provisioning.conftest import provision
from tests.provisioning.mqtt_probe import Probe

A = "BD-1000-01"


class PasswordProbe(Probe):
    """A plain-MQTT probe that logs in with a user name and password."""

    def __init__(self, port: int, user: str, password: str) -> None:
        super().__init__(port, "local-tool", None)
        self.client.username_pw_set(user, password)


def test_local_tools_listener(tmp_path: Path) -> None:
    home, tls_port, local_port = tmp_path / "pv", free_port(), free_port()
    args = ("init", "--hub-host", "127.0.0.1", "--broker-port", str(tls_port), "--run-as", getpass.getuser())
    assert provision(home, *args, "--local-port", str(local_port)).returncode == 0
    assert provision(home, "add-booth", A).returncode == 0
    secret = home / "broker" / "local-tools.secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    user, password = secret.read_text().strip().split(":", 1)
    assert password not in (home / "broker" / "local-tools.passwd").read_text()  # stored hashed
    broker = Managed(
        "mosquitto", [find_mosquitto(), "-c", str(home / "broker" / "mosquitto.conf")], tmp_path / "o"
    )
    broker.start()
    try:
        wait_for_port(local_port, proc=broker.proc)
        wait_for_port(tls_port, proc=broker.proc)
        wrong = PasswordProbe(local_port, user, "guess")
        assert wrong.connect().is_failure  # refused without the right password
        wrong.client.loop_stop()
        tool = PasswordProbe(local_port, user, password)
        booth = Probe(tls_port, A, home / "booths" / A)
        assert tool.connect() == 0 and booth.connect() == 0
        try:
            assert tool.subscribe("dak/v1/booth/+/status").is_failure is False
            assert not booth.publish(f"dak/v1/booth/{A}/status", b'{"state": "online"}').is_failure
            assert tool.wait("message") == (f"dak/v1/booth/{A}/status", b'{"state": "online"}')
            assert tool.publish(f"dak/v1/booth/{A}/cmd").value == 135  # read-only: no commands
        finally:
            tool.close()
            booth.close()
    finally:
        broker.stop()
    # Without --local-port there is no plain listener at all.
    other = tmp_path / "plain"
    assert provision(other, "init", "--hub-host", "127.0.0.1").returncode == 0
    conf = (other / "broker" / "mosquitto.conf").read_text()
    assert "127.0.0.1" not in conf and "password_file" not in conf
