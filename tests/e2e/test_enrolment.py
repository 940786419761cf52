"""From a blank directory to booths talking to the hub over mutual TLS, with provisioning's files as written."""

from __future__ import annotations

import getpass
import re
import subprocess
from pathlib import Path

import pytest

from demo.client import HubClient, KioskClient, wait_until
from demo.processes import Managed, find_mosquitto, free_port, python_module, wait_for_port
from demo.sms_sink import SmsSink

A, B = "BD-1000-01", "BD-4000-01"


def run(*argv: str) -> str:
    """Run a command to completion and return its output (fail the test on a non-zero exit)."""
    result = subprocess.run(list(argv), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def set_port(config: Path, section: str, port: int) -> None:
    """Give a generated config a free port (the only edit a technician on a shared machine would make)."""
    text = config.read_text()
    pattern = rf"(\[{section}\][^\[]*?port = )\d+"
    config.write_text(re.sub(pattern, rf"\g<1>{port}", text, count=1, flags=re.S))


@pytest.mark.slow
def test_three_commands_enrol_a_booth_over_mutual_tls(tmp_path: Path, sms_sink: SmsSink) -> None:
    home = tmp_path / "deployment"
    broker_port = free_port()
    provisioning = python_module("provisioning", "--home", str(home))
    # 1 and 2: the technician's commands.
    run(
        *provisioning,
        "init",
        "--hub-host",
        "127.0.0.1",
        "--broker-port",
        str(broker_port),
        "--run-as",
        getpass.getuser(),
    )
    run(*provisioning, "add-booth", A, "--name", "Dhaka GPO")
    run(*provisioning, "add-booth", B, "--name", "Chattogram GPO")

    hub_toml = home / "hub" / "hub.toml"
    hub_port = free_port()
    set_port(hub_toml, "http", hub_port)
    hub_toml.write_text(
        hub_toml.read_text().replace('driver = "log"', f'driver = "http"\nurl = "{sms_sink.url}"')
    )
    assert "mqtts://127.0.0.1" in hub_toml.read_text()

    processes: list[Managed] = []
    try:
        broker = Managed(
            "mosquitto",
            [find_mosquitto(), "-c", str(home / "broker" / "mosquitto.conf")],
            tmp_path / "mq.log",
        )
        processes.append(broker)
        broker.start()
        wait_for_port(broker_port, proc=broker.proc)
        hub = Managed("hub", python_module("hub", "--config", str(hub_toml)), tmp_path / "hub.log")
        processes.append(hub)
        hub.start()
        key = run(
            *python_module("hub", "--config", str(hub_toml), "create-api-key", "cell", "--role", "monitor")
        )
        kiosks: dict[str, str] = {}
        for booth in (A, B):
            kiosk_toml = home / "booths" / booth / "kiosk.toml"
            port = free_port()
            set_port(kiosk_toml, "http", port)
            run(*python_module("kiosk", "--config", str(kiosk_toml), "add-clerk", "rahim", "--pin", "2468"))
            # 3: start the booth from its bundle.
            kiosk = Managed(
                booth, python_module("kiosk", "--config", str(kiosk_toml)), tmp_path / f"{booth}.log"
            )
            processes.append(kiosk)
            kiosk.start()
            kiosks[booth] = f"http://127.0.0.1:{port}"

        cell = HubClient(f"http://127.0.0.1:{hub_port}", key.strip().splitlines()[-1])
        online = wait_until(
            lambda: {b["booth_id"] for b in cell.booths() if b["state"] == "online"} >= {A, B} or None,
            timeout=60,
            what="both booths online over mutual TLS",
        )
        assert online
        for url in kiosks.values():
            wait_until(lambda u=url: KioskClient(u).uplink()["config_received"], timeout=30, what="config")

        at_a, at_b = KioskClient(kiosks[A]), KioskClient(kiosks[B])
        at_a.login("rahim", "2468")
        at_b.login("rahim", "2468")
        tracking_id = at_a.intake(
            recipient={"name": "Nusrat Jahan", "phone": "01911223344"}, destination=B, cod_amount="499.50"
        )["tracking_id"]
        wait_until(lambda: cell.track(tracking_id)["status"] == "accepted", timeout=30, what="acceptance")
        wait_until(lambda: at_b.receive(tracking_id)["status"] == "ready", timeout=30, what="receive")
        code = wait_until(lambda: sms_sink.code_for("+8801911223344", tracking_id), timeout=30, what="SMS")
        assert at_b.handover(tracking_id, code, "499.50") == {"status": "delivered"}
        wait_until(lambda: cell.track(tracking_id)["status"] == "delivered", timeout=30, what="delivery")
        at_a.close()
        at_b.close()
    finally:
        for process in reversed(processes):
            process.stop()
    broker_log = (home / "broker" / "mosquitto.log").read_text()
    for booth in (A, B):  # the broker took each booth's user name from its certificate
        assert f"u'{booth}'" in broker_log
    assert "u'hub'" in broker_log
