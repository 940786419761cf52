"""Kiosk config: unknown keys named, relative paths, drivers, exit status of the CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from demo.processes import python_module
from kiosk.config import ConfigError, load_config
from kiosk.devices import registry


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "conf" / "kiosk.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_minimal_config_has_defaults_and_absent_devices(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'booth_id = "BD-1000-01"\n'))
    assert config.http.port == 8080
    assert config.counter.code_valid_days == 7
    assert config.uplink.health_interval_s <= 30
    assert config.devices.scale is None
    assert config.store.path == (tmp_path / "conf" / "kiosk.sqlite").resolve()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('booth_id = "BD-1000-01"\n[http]\ncolour = "red"\n', "http.colour"),
        ('booth_id = "BD-1000-01"\nfoo = 1\n', "foo"),
        ('booth_id = "BD-1000-01"\n[devices.scale]\ndriver = "sim"\nbaud = 9600\n', "devices.scale.baud"),
        ('booth_id = "BD-1000-01"\n[uplink]\nhealth = 3\n', "uplink.health"),
    ],
)
def test_unknown_key_is_named(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=f"unknown key '{key}'"):
        load_config(write(tmp_path, text))


def test_bad_booth_id_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="booth_id"):
        load_config(write(tmp_path, 'booth_id = "1000"\n'))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "booth_id = \n"))


def test_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    text = """
booth_id = "BD-1000-01"
[broker]
url = "mqtts://hub.example:8883"
ca = "ca.crt"
cert = "certs/booth.crt"
key = "/abs/booth.key"
[store]
path = "data/kiosk.sqlite"
[devices.printer]
driver = "sim"
spool = "spool.txt"
"""
    config = load_config(write(tmp_path, text))
    base = (tmp_path / "conf").resolve()
    assert config.broker.ca == base / "ca.crt"
    assert config.broker.cert == base / "certs" / "booth.crt"
    assert config.broker.key == Path("/abs/booth.key")
    assert config.store.path == base / "data" / "kiosk.sqlite"
    assert config.devices.printer is not None and config.devices.printer.spool == base / "spool.txt"
    assert (config.broker.host, config.broker.port, config.broker.tls) == ("hub.example", 8883, True)


def test_unknown_driver_is_refused_naming_device_and_driver(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'booth_id = "BD-1000-01"\n[devices.scale]\ndriver = "bluetooth"\n'))
    with pytest.raises(
        registry.UnknownDriver, match=r"devices\.scale: driver 'bluetooth' is not implemented"
    ):
        registry.build(config.devices)


def test_sim_drivers_build_for_every_kind(tmp_path: Path) -> None:
    text = 'booth_id = "BD-1000-01"\n' + "".join(
        f'[devices.{k}]\ndriver = "sim"\n' for k in ("scale", "printer", "scanner", "camera")
    )
    devices = registry.build(load_config(write(tmp_path, text)).devices)
    assert all(d is not None for d in devices.values())


def test_cli_unknown_key_exits_2_without_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, 'booth_id = "BD-1000-01"\n[http]\ncolour = "red"\n')
    result = subprocess.run(
        python_module("kiosk", "--config", str(path)), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "unknown key 'http.colour'" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_unknown_driver_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, 'booth_id = "BD-1000-01"\n[devices.printer]\ndriver = "network"\n')
    result = subprocess.run(
        python_module("kiosk", "--config", str(path)), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "devices.printer: driver 'network'" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_add_clerk_and_devices(tmp_path: Path) -> None:
    text = 'booth_id = "BD-1000-01"\n[devices.scale]\ndriver = "sim"\nweight_g = 1234\n[devices.printer]\ndriver = "sim"\n'
    path = write(tmp_path, text)
    added = subprocess.run(
        python_module("kiosk", "--config", str(path), "add-clerk", "bob", "--pin", "4321", "--supervisor"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    assert "bob (supervisor)" in added.stdout
    assert "4321" not in added.stdout + added.stderr
    probe = subprocess.run(
        python_module("kiosk", "--config", str(path), "devices"), capture_output=True, text=True, timeout=60
    )
    assert probe.returncode == 0, probe.stderr
    lines = {line.split()[0]: line for line in probe.stdout.splitlines()}
    assert "ok" in lines["scale"] and "weight_g=1234" in lines["scale"]
    assert "absent" in lines["camera"] and "absent" in lines["scanner"]
