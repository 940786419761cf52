"""Kiosk configuration: a TOML file validated with pydantic; unknown keys are an error."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from parcel.topics import BOOTH_ID


class ConfigError(ValueError):
    """A configuration file that cannot be used; str(error) says why."""


class Section(BaseModel):
    """Base for every section: unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid")


class HttpConfig(Section):
    """Where the kiosk's web server listens (localhost for the booth's browser)."""

    host: str = Field(default="127.0.0.1", description="address to bind")
    port: int = Field(default=8080, ge=0, le=65535, description="TCP port (0 picks a free one)")


class BrokerConfig(Section):
    """The MQTT broker of the hub; certificate paths are relative to the config file."""

    url: str = Field(default="mqtt://127.0.0.1:1883", pattern=r"^mqtts?://[^:/]+(:[0-9]+)?/?$")
    ca: Path | None = Field(default=None, description="CA certificate for mqtts://")
    cert: Path | None = Field(default=None, description="this booth's client certificate")
    key: Path | None = Field(default=None, description="this booth's private key")

    @property
    def tls(self) -> bool:
        """True for mqtts:// URLs."""
        return self.url.startswith("mqtts://")

    @property
    def host(self) -> str:
        """Host name of the broker."""
        return self.url.split("://", 1)[1].rstrip("/").split(":")[0]

    @property
    def port(self) -> int:
        """Port of the broker (1883 / 8883 by default)."""
        rest = self.url.split("://", 1)[1].rstrip("/")
        if ":" in rest:
            return int(rest.split(":")[1])
        return 8883 if self.tls else 1883


class StoreConfig(Section):
    """The local SQLite database."""

    path: Path = Field(default=Path("kiosk.sqlite"), description="relative to the config file's directory")


class ScaleConfig(Section):
    """The parcel scale."""

    driver: str
    port: str | None = Field(default=None, description="pyserial URL of a serial scale")
    protocol: Literal["toledo8217", "mt-sics", "cas"] | None = None
    weight_g: int = Field(default=750, ge=0, le=100_000, description="sim: the weight on the plate")
    stable: bool = Field(default=True, description="sim: whether the reading is stable")
    poll_interval_s: float = Field(
        default=0.05, gt=0, le=5, description="serial: time between weight requests"
    )
    stable_repeats: int = Field(
        default=3, ge=1, le=20, description="equal stable readings before a weight counts"
    )


class PrinterConfig(Section):
    """The receipt and label printer."""

    driver: str
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    width_px: int = Field(default=576, description="576 for 80 mm paper, 384 for 58 mm")
    path: Path | None = Field(default=None, description="file driver: where bytes are written")
    spool: Path | None = Field(default=None, description="sim: text file every printed job is appended to")
    device: str | None = Field(default=None, description="serial driver: pyserial port of the printer")
    baudrate: int = Field(default=9600, description="serial driver: line speed")
    vendor_id: int | None = Field(default=None, description="usb driver: USB vendor id")
    product_id: int | None = Field(default=None, description="usb driver: USB product id")
    timeout_s: float = Field(default=2.0, gt=0, le=30, description="status query and connect timeout")
    status_interval_s: float = Field(default=5.0, gt=0, le=60, description="paper/online poll period")


class ScannerConfig(Section):
    """The barcode scanner."""

    driver: str
    port: str | None = Field(default=None, description="pyserial URL of a serial scanner")
    device: str | None = Field(default=None, description="evdev driver: /dev/input/event* of the scanner")
    suffix: Literal["CR", "LF", "CRLF"] = Field(default="CR", description="what ends one scan")
    baudrate: int = Field(default=9600, description="serial driver: line speed")
    min_len: int = Field(default=4, ge=1, le=64, description="shortest accepted scan")
    inter_key_ms: int = Field(
        default=50, ge=5, le=500, description="wedge: longest gap between keys of one scan"
    )
    duplicate_window_s: float = Field(
        default=2.0, ge=0, le=60, description="drop the same scan within this time"
    )


class CameraConfig(Section):
    """The counter camera."""

    driver: str
    device: str | None = None
    path: Path | None = None
    fps: float = Field(default=10, gt=0, le=60, description="frames grabbed per second")
    decoder: Literal["zxing", "pyzbar"] = Field(default="zxing", description="barcode decoder for frames")
    decode: bool = Field(default=True, description="deliver barcodes seen by the camera as scans")
    photo_max_px: int = Field(default=1280, ge=160, le=4096, description="longest side of a stored photo")


class DevicesConfig(Section):
    """Configured devices; a missing section means the device is absent."""

    scale: ScaleConfig | None = None
    printer: PrinterConfig | None = None
    scanner: ScannerConfig | None = None
    camera: CameraConfig | None = None


class DirectoryBooth(Section):
    """One destination in the counter's booth directory."""

    id: Annotated[str, Field(pattern=BOOTH_ID.pattern)]
    name: str = Field(min_length=1, max_length=100, description="the post office's name, as clerks say it")


class CounterConfig(Section):
    """Counter rules."""

    code_valid_days: int = Field(default=7, ge=1, le=90, description="collection code lifetime")
    session_timeout_min: int = Field(default=30, ge=1, le=24 * 60, description="idle clerk session lifetime")
    code_attempts: int = Field(default=5, ge=1, le=20, description="wrong codes before a parcel locks")
    pin_attempts: int = Field(default=5, ge=1, le=20, description="wrong PINs before a clerk locks")
    pin_lock_min: int = Field(default=15, ge=1, description="how long a clerk stays locked")
    uncollected_days: int = Field(
        default=10, ge=1, le=90, description="days on the shelf before a parcel may be returned uncollected"
    )
    booths: list[DirectoryBooth] = Field(
        default_factory=list, description="the booth directory for destinations ([[counter.booths]])"
    )


class UplinkConfig(Section):
    """Behaviour of the MQTT uplink to the hub."""

    health_interval_s: float = Field(default=15, gt=0, le=30, description="health publish period")
    resend_after_s: float = Field(default=30, gt=0, description="resend unacked events after this")
    keepalive_s: int = Field(default=15, ge=5, le=600, description="MQTT keepalive")
    window: int = Field(default=1000, ge=1, le=10_000, description="events in flight before an ack")
    session_expiry_s: int = Field(default=7 * 86400, ge=0, description="broker keeps our session this long")


class KioskConfig(Section):
    """The whole kiosk configuration."""

    booth_id: Annotated[str, Field(pattern=BOOTH_ID.pattern)]
    http: HttpConfig = Field(default_factory=HttpConfig)
    broker: BrokerConfig = Field(default_factory=BrokerConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    devices: DevicesConfig = Field(default_factory=DevicesConfig)
    counter: CounterConfig = Field(default_factory=CounterConfig)
    uplink: UplinkConfig = Field(default_factory=UplinkConfig)

    @model_validator(mode="after")
    def _tls_files(self) -> KioskConfig:
        if not self.broker.tls and (self.broker.cert or self.broker.key):
            raise ValueError("broker.cert and broker.key need an mqtts:// url")
        return self


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"unknown key {where!r}"
    if first["type"] == "missing":
        return f"missing key {where!r}"
    return f"{where or 'config'}: {first['msg']}"


def _resolve(base: Path, value: Path | None) -> Path | None:
    if value is None:
        return None
    value = value.expanduser()
    return value if value.is_absolute() else (base / value)


def parse_config(raw: dict[str, Any], base: Path) -> KioskConfig:
    """Validate a parsed TOML document; relative paths are resolved against base."""
    try:
        config = KioskConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    b = config.broker
    b.ca, b.cert, b.key = _resolve(base, b.ca), _resolve(base, b.cert), _resolve(base, b.key)
    config.store.path = _resolve(base, config.store.path) or base / "kiosk.sqlite"
    d = config.devices
    if d.printer is not None:
        d.printer.path = _resolve(base, d.printer.path)
        d.printer.spool = _resolve(base, d.printer.spool)
    if d.camera is not None:
        d.camera.path = _resolve(base, d.camera.path)
    return config


def load_config(path: Path) -> KioskConfig:
    """Read and validate a kiosk TOML file or raise ConfigError naming the problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return parse_config(raw, path.resolve().parent)
