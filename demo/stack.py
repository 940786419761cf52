"""A whole DakBooth deployment on one machine: Mosquitto, the hub on SQLite, kiosks on simulated devices.

Used by `python -m demo` and by the end-to-end tests, so the demo is exactly what is tested.
"""

from __future__ import annotations

import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from demo.client import HubClient, KioskClient, wait_until
from demo.linkproxy import LinkProxy
from demo.processes import Managed, Mosquitto, free_port, python_module


@dataclass(frozen=True)
class BoothSpec:
    """A demo booth: id, a name for people, and the clerk that can log in."""

    booth_id: str
    name: str
    clerk: str = "clerk"
    pin: str = "739146"
    supervisor: str = "super"
    supervisor_pin: str = "582317"
    weight_g: int = 850


DEFAULT_BOOTHS = (
    BoothSpec("BD-1000-01", "Dhaka GPO"),
    BoothSpec("BD-4000-01", "Chattogram GPO", weight_g=1200),
)


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class KioskProcess:
    """One kiosk: its spec, config file, HTTP port and process."""

    spec: BoothSpec
    config: Path
    port: int
    process: Managed

    @property
    def url(self) -> str:
        """The kiosk's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> KioskClient:
        """A JSON API client logged in as the booth's clerk."""
        client = KioskClient(self.url)
        client.login(self.spec.clerk, self.spec.pin)
        return client

    def start(self) -> None:
        """Start the kiosk and wait until it serves."""
        self.process.start()
        wait_until(
            lambda: KioskClient(self.url).uplink(), timeout=30, what=f"kiosk {self.spec.booth_id} to serve"
        )


@dataclass
class Stack:
    """Broker, hub and kiosks under one working directory, started and stopped together."""

    workdir: Path
    sms_url: str | None = None
    # The hub sends SMS over SMPP to a local peer on this port (system id and password below)
    # instead of the HTTP gateway at sms_url.
    smpp_port: int | None = None
    smpp_system_id: str = "dakbooth"
    smpp_password: str = field(default_factory=lambda: secrets.token_hex(4))
    hub_extra_toml: str = ""  # appended to hub.toml (e.g. a [monitoring] section with short thresholds)
    kiosk_extra_toml: str = ""  # appended to every kiosk.toml (e.g. an [uplink] section)
    booths: tuple[BoothSpec, ...] = DEFAULT_BOOTHS
    via_link_proxy: bool = False  # kiosks reach the broker through a LinkProxy that can cut/delay
    broker: Mosquitto = field(init=False)
    link: LinkProxy | None = field(init=False, default=None)
    hub: Managed = field(init=False)
    hub_port: int = field(init=False)
    hub_config: Path = field(init=False)
    kiosks: dict[str, KioskProcess] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.broker = Mosquitto(self.workdir / "broker")
        if self.via_link_proxy:
            self.link = LinkProxy(self.broker.port)
        self.hub_port = free_port()
        self.hub_config = self._write_hub_config()
        self.hub = Managed(
            "hub", python_module("hub", "--config", str(self.hub_config)), self.workdir / "hub" / "hub.log"
        )
        for spec in self.booths:
            port = free_port()
            config = self._write_kiosk_config(spec, port)
            argv = python_module("kiosk", "--config", str(config))
            process = Managed(f"kiosk {spec.booth_id}", argv, config.parent / "kiosk.log")
            self.kiosks[spec.booth_id] = KioskProcess(spec, config, port, process)

    @property
    def hub_url(self) -> str:
        """The hub's base URL."""
        return f"http://127.0.0.1:{self.hub_port}"

    def hub_client(self, api_key: str | None = None) -> HubClient:
        """A client for the hub's APIs."""
        return HubClient(self.hub_url, api_key)

    def _write_hub_config(self) -> Path:
        hub_dir = self.workdir / "hub"
        hub_dir.mkdir(parents=True, exist_ok=True)
        if self.smpp_port is not None:
            sms = (
                '[sms]\ndriver = "smpp"\nhost = "127.0.0.1"\n'
                f"port = {self.smpp_port}\n"
                f"system_id = {_toml_str(self.smpp_system_id)}\n"
                f"password = {_toml_str(self.smpp_password)}\n"
            )
        elif self.sms_url:
            sms = f'[sms]\ndriver = "http"\nurl = {_toml_str(self.sms_url)}\n'
        else:
            sms = '[sms]\ndriver = "log"\n'

        path = hub_dir / "hub.toml"
        path.write_text(
            "[http]\n"
            'host = "127.0.0.1"\n'
            f"port = {self.hub_port}\n\n"
            "[broker]\n"
            f"url = {_toml_str(self.broker.url)}\n\n"
            "[database]\n"
            'url = "sqlite:///hub.sqlite"\n\n' + sms + self.hub_extra_toml
        )
        return path

    def _write_kiosk_config(self, spec: BoothSpec, port: int) -> Path:
        booth_dir = self.workdir / "booths" / spec.booth_id
        booth_dir.mkdir(parents=True, exist_ok=True)
        path = booth_dir / "kiosk.toml"
        path.write_text(
            f"booth_id = {_toml_str(spec.booth_id)}\n\n"
            "[http]\n"
            'host = "127.0.0.1"\n'
            f"port = {port}\n\n"
            "[broker]\n"
            f"url = {_toml_str(self.link.url if self.link else self.broker.url)}\n\n"
            "[store]\n"
            'path = "kiosk.sqlite"\n\n'
            "[devices.scale]\n"
            'driver = "sim"\n'
            f"weight_g = {spec.weight_g}\n\n"
            "[devices.printer]\n"
            'driver = "sim"\n'
            'spool = "printed.txt"\n\n'
            "[devices.scanner]\n"
            'driver = "sim"\n\n'
            "[devices.camera]\n"
            'driver = "sim"\n' + self._directory() + self.kiosk_extra_toml
        )
        return path

    def _directory(self) -> str:
        """The counter's booth directory: every booth of the stack, picked by name or postcode."""
        entries = [
            f"\n[[counter.booths]]\nid = {_toml_str(b.booth_id)}\nname = {_toml_str(b.name)}\n"
            for b in self.booths
        ]
        return "".join(entries)

    def add_clerks(self) -> None:
        """Create each booth's clerk and supervisor through the kiosk's add-clerk command."""
        for kiosk in self.kiosks.values():
            spec = kiosk.spec
            base = python_module("kiosk", "--config", str(kiosk.config), "add-clerk")
            for argv in (
                [*base, spec.clerk, "--pin", spec.pin],
                [*base, spec.supervisor, "--pin", spec.supervisor_pin, "--supervisor"],
            ):
                subprocess.run(argv, check=True, capture_output=True, timeout=60)

    def create_api_key(self, name: str, role: str) -> str:
        """A new hub API key from the hub's create-api-key command."""
        argv = python_module("hub", "--config", str(self.hub_config), "create-api-key", name, "--role", role)
        out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=60).stdout
        return out.strip().splitlines()[-1].strip()

    def start_hub(self) -> None:
        """Start the hub and wait until it serves."""
        self.hub.start()
        wait_until(self._hub_up, timeout=30, what="the hub to serve")

    def _hub_up(self) -> bool:
        import requests

        if not self.hub.running:
            raise RuntimeError(f"the hub exited; see {self.hub.log_path}")
        try:
            return requests.get(self.hub_url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def start(self) -> None:
        """Start broker, hub and every kiosk, and wait until each booth has its config from the hub."""
        self.broker.start()
        if self.link:
            self.link.start()
        self.add_clerks()
        self.start_hub()
        for kiosk in self.kiosks.values():
            kiosk.start()
        for kiosk in self.kiosks.values():
            wait_until(
                lambda k=kiosk: KioskClient(k.url).uplink().get("config_received"),
                timeout=30,
                what=f"{kiosk.spec.booth_id} to receive its config",
            )

    def stop(self) -> None:
        """Stop kiosks, hub and broker (politely, then by force)."""
        for kiosk in self.kiosks.values():
            kiosk.process.stop()
        self.hub.stop()
        if self.link:
            self.link.stop()
            self.link = None
        self.broker.stop()

    def logs(self, tail: int | None = 3000) -> str:
        """Every process log (its last `tail` characters, or all of it), for reports and log checks."""
        parts = []
        paths = [self.hub.log_path, self.broker.data_dir / "mosquitto.log"]
        paths += [k.process.log_path for k in self.kiosks.values()]
        for path in paths:
            if path.exists():
                text = path.read_text(errors="replace")
                parts.append(f"----- {path.name} ({path.parent.name})\n{text[-tail:] if tail else text}")
        return "\n".join(parts)
