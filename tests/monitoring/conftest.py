"""A running deployment for the monitoring cell's tests: broker, hub and two kiosks as real processes."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from demo.processes import python_module
from demo.sms_sink import SmsSink
from demo.stack import Stack

KEEPALIVE_S = 5
ONCALL = "+8801700000099"
PASSWORD = "cell-operator-pw"


@pytest.fixture(scope="module")
def cell_sms() -> Iterator[SmsSink]:
    """An HTTP SMS gateway peer for the module's stack."""
    sink = SmsSink().start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture(scope="module")
def cell(tmp_path_factory: pytest.TempPathFactory, cell_sms: SmsSink) -> Iterator[Stack]:
    """The stack with short alert thresholds, a 5 s keepalive, and an operator named ana."""
    stack = Stack(
        tmp_path_factory.mktemp("cell") / "stack",
        sms_url=cell_sms.url,
        hub_extra_toml=(
            "\n[monitoring]\noffline_after_s = 3\ndevice_after_s = 1\nclear_after_s = 2\n"
            f'evaluate_every_s = 0.5\noncall_sms = ["{ONCALL}"]\n'
        ),
        kiosk_extra_toml=f"\n[uplink]\nhealth_interval_s = 1\nkeepalive_s = {KEEPALIVE_S}\n",
    )
    failed = True
    try:
        stack.start()
        pw = stack.workdir / "pw.txt"
        pw.write_text(PASSWORD + "\n")
        argv = python_module(
            "hub", "--config", str(stack.hub_config), "create-user", "ana", "--role", "operator"
        )
        subprocess.run([*argv, "--password-file", str(pw)], check=True, capture_output=True, timeout=60)
        yield stack
        failed = False
    finally:
        stack.stop()
        if failed:
            print(stack.logs())


def login(stack: Stack) -> requests.Session:
    """A requests session logged in to the dashboard as ana."""
    session = requests.Session()
    session.headers["Accept-Language"] = "en"  # these tests read the English texts (Bengali is the default)
    page = session.get(stack.hub_url + "/dashboard/login", timeout=10).text
    token = csrf(page)
    resp = session.post(
        stack.hub_url + "/dashboard/login",
        data={"csrf": token, "name": "ana", "password": PASSWORD},
        timeout=10,
    )
    assert resp.status_code == 200 and resp.url.endswith("/dashboard/"), resp.status_code
    return session


def csrf(html: str) -> str:
    """The CSRF token of a page's form."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


def paper_file(stack: Stack, booth_id: str) -> Path:
    """The sim printer's paper switch of a booth ("out" = out of paper)."""
    return stack.kiosks[booth_id].config.parent / "printed.txt.paper"
