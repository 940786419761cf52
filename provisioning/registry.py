"""The deployment's registry of booths, kept as registry.json under the provisioning home."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class BoothRecord:
    """One enrolled booth: who it is, where, and its certificates."""

    booth_id: str
    name: str = ""
    postcode: str = ""
    cert_serial: int = 0
    state: str = "active"  # active | revoked
    issued_at: str = ""


@dataclass
class Registry:
    """Everything provisioning remembers between commands."""

    hub_host: str
    broker_port: int = 8883
    run_as: str = "mosquitto"
    local_port: int | None = None
    booths: dict[str, BoothRecord] = field(default_factory=dict)
    revoked_serials: list[int] = field(default_factory=list)

    @staticmethod
    def path(home: Path) -> Path:
        """Where the registry lives under home."""
        return home / "registry.json"

    @classmethod
    def load(cls, home: Path) -> Registry:
        """Read the registry, or raise FileNotFoundError with a hint to run init."""
        path = cls.path(home)
        if not path.exists():
            raise FileNotFoundError(f"{home} is not a provisioning home: run `init` first")
        raw = json.loads(path.read_text())
        booths = {k: BoothRecord(**v) for k, v in raw.pop("booths", {}).items()}
        return cls(booths=booths, **raw)

    def save(self, home: Path) -> None:
        """Write the registry atomically."""
        path = self.path(home)
        tmp = path.with_suffix(".tmp")
        data = asdict(self)
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        tmp.replace(path)

    def active_booths(self) -> list[BoothRecord]:
        """Booths whose certificates are valid, in id order."""
        return sorted((b for b in self.booths.values() if b.state == "active"), key=lambda b: b.booth_id)


def now_iso() -> str:
    """The current UTC time as ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
