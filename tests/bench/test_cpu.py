"""The bench's CPU meter against real processes: one that burns CPU and exits, one that sleeps."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.cpu import CpuMeter, children, process

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\ntime.sleep(0.3)"


def test_a_process_that_exits_keeps_its_last_reading_and_a_sleeper_counts_almost_nothing() -> None:
    burner = subprocess.Popen([sys.executable, "-c", BURN])
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)"])
    try:
        meter = CpuMeter(
            {"burner": process(burner.pid), "sleeper": process(sleeper.pid), "none": process(None)}
        )
        meter.sample()
        while burner.poll() is None:
            meter.sample()
            time.sleep(0.05)
        meter.sample()  # the burner is gone: its last reading stands
        used = meter.seconds()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert 0.25 <= used["burner"] <= 1.0
    assert used["sleeper"] < 0.1
    assert used["none"] == 0


def test_children_are_found_again_at_each_sample() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BURN!r}])"]
    )
    try:
        meter = CpuMeter({"children": children(parent.pid)})
        deadline = time.monotonic() + 10
        while parent.poll() is None and time.monotonic() < deadline:
            meter.sample()
            time.sleep(0.05)
    finally:
        parent.kill()
        parent.wait()
    assert meter.seconds()["children"] >= 0.2
