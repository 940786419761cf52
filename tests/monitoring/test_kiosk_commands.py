"""The booth side of remote commands on a real kiosk store with simulated devices."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.services import commands, inbound
from kiosk.services.errors import ServiceError
from kiosk.services.handover import handover
from kiosk.services.receive import receive
from parcel.control import Command
from tests.kiosk.conftest import Booth, make_booth, ready_code
from tests.kiosk.test_services import TID2, manifest


@pytest.fixture
def booth(tmp_path: Path) -> Iterator[Booth]:
    """A booth with a sim printer and scale on a fresh store."""
    b = make_booth(tmp_path)
    yield b
    b.ctx.devices.stop()
    b.ctx.store.close()


def _cmd(booth: Booth, name: str, ttl_s: float = 60, **args: str) -> Command:
    expires = booth.ctx.now() + timedelta(seconds=ttl_s)
    return Command(id=f"c-{name}", name=name, args=args, expires_at=expires)


def test_test_print_and_expiry(booth: Booth) -> None:
    """A test print reaches the printer; an expired or unknown command does nothing."""
    result = commands.run(booth.ctx, _cmd(booth, "test_print"))
    assert result.ok and booth.printer.jobs[-1][0] == "DakBooth test print"
    jobs = len(booth.printer.jobs)
    expired = commands.run(booth.ctx, _cmd(booth, "test_print", ttl_s=-1))
    assert (expired.ok, expired.detail) == (False, "expired") and len(booth.printer.jobs) == jobs
    assert commands.run(booth.ctx, _cmd(booth, "format_disk")).detail == "unknown command"


def test_test_print_out_of_paper_fails(booth: Booth) -> None:
    """Out of paper (the sim's paper switch file) makes the test print fail with the reason."""
    assert booth.printer.paper_file is not None
    booth.printer.paper_file.write_text("out")
    result = commands.run(booth.ctx, _cmd(booth, "test_print"))
    assert not result.ok and "out of paper" in result.detail
    assert booth.ctx.devices.health()["printer"].state == "error"
    booth.printer.paper_file.write_text("")
    assert booth.ctx.devices.health()["printer"].state == "ok"


def test_reissue_code_replaces_the_old_one(booth: Booth) -> None:
    """A reissued code is sent in a new parcel.ready event; the old code no longer hands over."""
    inbound.apply_manifest(booth.ctx, manifest(cod="0"))
    receive(booth.ctx, "alice", TID2)
    old = ready_code(booth, TID2)
    result = commands.run(booth.ctx, _cmd(booth, "reissue_code", tracking_id=TID2))
    assert result.ok, result.detail
    new = ready_code(booth, TID2)
    readies = [e for e in booth.events() if e["type"] == "parcel.ready"]
    assert len(readies) == 2 and readies[-1]["data"]["collection_code"] == new
    if new != old:  # one in a million they match
        with pytest.raises(ServiceError):
            handover(booth.ctx, "alice", TID2, old, "0")
    assert handover(booth.ctx, "alice", TID2, new, "0") == "delivered"
    again = commands.run(booth.ctx, _cmd(booth, "reissue_code", tracking_id=TID2))
    assert not again.ok and again.detail.startswith("not_ready")


def test_restart_reprint_and_photo(booth: Booth) -> None:
    """restart_device restarts a known device; reprint needs a known parcel; no photo is a clear failure."""
    assert (
        commands.run(booth.ctx, _cmd(booth, "restart_device", device="printer")).detail
        == "printer restarted: ok"
    )
    assert not commands.run(booth.ctx, _cmd(booth, "restart_device", device="toaster")).ok
    assert not commands.run(booth.ctx, _cmd(booth, "reprint", tracking_id=TID2)).ok
    inbound.apply_manifest(booth.ctx, manifest())
    receive(booth.ctx, "alice", TID2)
    assert commands.run(booth.ctx, _cmd(booth, "reprint", tracking_id=TID2)).ok
    assert TID2 in booth.printer.jobs[-1]
    photo = commands.run(booth.ctx, _cmd(booth, "fetch_photo", tracking_id=TID2))
    assert not photo.ok and photo.detail.startswith("no_photo")
    assert json.dumps(photo.model_dump())  # serialisable as the cmd/result payload
