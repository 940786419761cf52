"""The booth computer's unit files pass systemd's own checks; the setup script is valid shell."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BOOTH = Path(__file__).resolve().parents[2] / "provisioning" / "booth"


def test_units_verify(tmp_path: Path) -> None:
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not on this machine")
    units = sorted(BOOTH.glob("*.service"), key=lambda u: "browser" in u.name)  # dependencies first
    assert len(units) == 2
    for unit in units:
        # The programs the units start exist only on a booth: point them at ones that exist here.
        text = unit.read_text().replace("/opt/dakbooth/.venv/bin/python", sys.executable)
        (tmp_path / unit.name).write_text(text.replace("/usr/bin/chromium", "/bin/true"))
    names = [unit.name for unit in units]
    result = subprocess.run(
        ["systemd-analyze", "verify", *names], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0 and "dakbooth" not in result.stderr, result.stderr


def test_setup_script_parses() -> None:
    subprocess.run(["bash", "-n", str(BOOTH / "setup-booth.sh")], check=True)


def test_udev_rules_name_every_device_kind() -> None:
    rules = (BOOTH / "99-dakbooth-devices.rules").read_text()
    for name in ("dakbooth-scale", "dakbooth-scanner", "dakbooth-printer", "dakbooth-camera"):
        assert f'SYMLINK+="{name}"' in rules
