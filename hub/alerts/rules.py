"""Which alert conditions hold for a booth right now (pure: no I/O), and the debounce that stops flapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.config import MonitoringConfig

DEVICE_KINDS = ("printer", "scale", "camera", "scanner")


def conditions(row: dict[str, Any], cfg: MonitoringConfig, extra: dict[str, Any]) -> dict[str, str]:
    """{kind: detail} of every condition that holds for a fleet row (extra: seq gap, uncollected)."""
    out: dict[str, str] = {}
    if row["state"] in ("offline", "silent"):
        out["offline"] = "no heartbeat" if row["state"] == "silent" else "Last Will or offline status"
    elif row["state"] == "online":
        for kind in DEVICE_KINDS:
            dev = row["devices"].get(kind)
            if dev and dev["state"] in ("error", "warning"):
                out[kind] = f"{kind} {dev['state']}: {dev['detail']}".strip().rstrip(":")
        if row["ob"] is not None and row["ob"] > cfg.outbox_depth:
            out["outbox_depth"] = f"{row['ob']} unsent events (limit {cfg.outbox_depth})"
        if row["oba"] is not None and row["oba"] > cfg.outbox_age_s:
            out["outbox_age"] = f"oldest unsent event {row['oba'] / 60:.0f} min old"
    if extra.get("gap"):
        out["seq_gap"] = extra["gap"]
    if extra.get("uncollected"):
        out["uncollected"] = f"{extra['uncollected']} parcels ready for over {cfg.uncollected_days:g} days"
    if row.get("cash", 0) > cfg.cash_limit:
        out["cash"] = f"cash held Tk {row['cash']:,.0f} (limit {cfg.cash_limit:,.0f})"
    return out


def raise_after(kind: str, cfg: MonitoringConfig) -> float:
    """How long a condition of kind must hold before it opens an alert."""
    return cfg.offline_after_s if kind == "offline" else cfg.device_after_s


@dataclass
class Debounce:
    """Hysteresis: a condition opens after holding raise_after, resolves after being gone clear_after."""

    since: dict[tuple[str, str], float] = field(default_factory=dict)  # condition first seen
    gone: dict[tuple[str, str], float] = field(default_factory=dict)  # condition first missing

    def step(
        self,
        holding: dict[tuple[str, str], str],
        open_keys: set[tuple[str, str]],
        now: float,
        cfg: MonitoringConfig,
    ) -> tuple[dict[tuple[str, str], str], set[tuple[str, str]]]:
        """Given conditions holding now and alerts open, return (to open {key: detail}, to resolve)."""
        to_open: dict[tuple[str, str], str] = {}
        for key, detail in holding.items():
            self.gone.pop(key, None)
            first = self.since.setdefault(key, now)
            if key not in open_keys and now - first >= raise_after(key[1], cfg):
                to_open[key] = detail
        for key in list(self.since):
            if key not in holding:
                del self.since[key]
        to_resolve: set[tuple[str, str]] = set()
        for key in open_keys:
            if key in holding:
                continue
            first_gone = self.gone.setdefault(key, now)
            if now - first_gone >= cfg.clear_after_s:
                to_resolve.add(key)
                del self.gone[key]
        return to_open, to_resolve
