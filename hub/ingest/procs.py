"""Supervision of ingest worker processes: start N, restart one that dies, stop them all."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

RESTART_DELAY_S = 1.0
STOP_TIMEOUT_S = 15.0


class WorkerPool(threading.Thread):
    """Keeps `count` `python -m hub --config PATH ingest-worker --index i` processes running."""

    def __init__(self, config_path: Path, count: int) -> None:
        super().__init__(name="hub-workers", daemon=True)
        self.config_path = config_path
        self.count = count
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def _spawn(self, index: int) -> None:
        argv = [
            sys.executable,
            "-m",
            "hub",
            "--config",
            str(self.config_path),
            "ingest-worker",
            "--index",
            str(index),
        ]
        proc = subprocess.Popen(argv)  # inherits stderr: one log for the whole hub
        self.procs[index] = proc
        log.info("ingest worker %d started, pid %d", index, proc.pid)

    def start(self) -> None:
        """Start every worker process, then the supervising thread."""
        with self._lock:
            for index in range(self.count):
                self._spawn(index)
        super().start()

    def run(self) -> None:
        """Restart a worker that exits while the hub is running."""
        while not self.stopping.wait(0.5):
            with self._lock:
                for index, proc in list(self.procs.items()):
                    code = proc.poll()
                    if code is None or self.stopping.is_set():
                        continue
                    log.error("ingest worker %d (pid %d) exited with %s; restarting", index, proc.pid, code)
                    time.sleep(RESTART_DELAY_S)
                    self._spawn(index)

    def stop(self) -> None:
        """Terminate the workers (they finish their batch) and wait for them."""
        self.stopping.set()
        with self._lock:
            for proc in self.procs.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.monotonic() + STOP_TIMEOUT_S
            for proc in self.procs.values():
                try:
                    proc.wait(max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
