"""CPU time of the processes in a run, per event: where a rate's limit lies on a small machine."""

from __future__ import annotations

from collections.abc import Callable

import psutil

Finder = Callable[[], list[psutil.Process]]


class CpuMeter:
    """Follows the CPU seconds (user + system) of named groups of processes between samples.

    Each group is found again at every sample (worker processes may start late); a process that
    has exited keeps its last reading, so a publisher that finished early still counts.
    """

    def __init__(self, groups: dict[str, Finder]) -> None:
        self.groups = groups
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._members: dict[str, set[int]] = {name: set() for name in groups}

    def sample(self) -> None:
        """Read every process of every group now."""
        for name, find in self.groups.items():
            try:
                procs = find()
            except psutil.Error:
                continue
            for proc in procs:
                try:
                    times = proc.cpu_times()
                except psutil.Error:
                    continue
                seconds = times.user + times.system
                self._first.setdefault(proc.pid, seconds)
                self._last[proc.pid] = seconds
                self._members[name].add(proc.pid)

    def seconds(self) -> dict[str, float]:
        """CPU seconds each group used between its first and last sample."""
        return {
            name: sum(self._last[pid] - self._first[pid] for pid in pids)
            for name, pids in self._members.items()
        }


def process(pid: int | None) -> Finder:
    """A finder for one process by pid (none when there is no pid)."""
    return lambda: [psutil.Process(pid)] if pid else []


def children(pid: int | None) -> Finder:
    """A finder for the child processes of pid."""
    return lambda: psutil.Process(pid).children() if pid else []
