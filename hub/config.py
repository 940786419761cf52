"""Hub configuration: TOML validated by pydantic, unknown keys rejected with their dotted name."""

from __future__ import annotations

import ipaddress
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class ConfigError(Exception):
    """The configuration file is missing, unreadable or invalid; str(error) says why."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HttpConfig(_Section):
    """Where the web server listens."""

    host: str = Field(default="127.0.0.1", description="address to bind")
    port: int = Field(default=8000, ge=0, le=65535, description="TCP port (0 picks a free one)")
    track_burst: int = Field(
        default=30, ge=1, description="public tracking: requests a client may make at once"
    )
    track_per_second: float = Field(default=1.0, gt=0, description="public tracking: refill rate per client")


class BrokerConfig(_Section):
    """The MQTT broker the hub consumes from and publishes to."""

    url: str = Field(default="mqtt://127.0.0.1:1883", description="mqtt:// or mqtts://host:port")
    ca: Path | None = Field(default=None, description="CA certificate (relative to the config file)")
    cert: Path | None = Field(default=None, description="the hub's client certificate")
    key: Path | None = Field(default=None, description="the hub's private key")
    client_id: str = Field(default="hub-1", min_length=1, description="MQTT client id (persistent session)")

    @field_validator("url")
    @classmethod
    def _scheme(cls, v: str) -> str:
        if not v.startswith(("mqtt://", "mqtts://")):
            raise ValueError("must start with mqtt:// or mqtts://")
        return v


class DatabaseConfig(_Section):
    """The hub's database."""

    url: str = Field(default="sqlite:///hub.sqlite", description="SQLAlchemy URL; SQLite or PostgreSQL")


class SmsConfig(_Section):
    """How SMS leave the hub, and how delivery reports come back."""

    driver: Literal["http", "smpp", "log"] = Field(default="log", description="http | smpp | log")
    url: str = Field(default="http://127.0.0.1:9300/send", description="http driver: POST JSON {to, text}")
    host: str = Field(default="127.0.0.1", description="smpp driver: the SMSC's host")
    port: int = Field(default=2775, ge=1, le=65535, description="smpp driver: the SMSC's TCP port")
    system_id: str = Field(default="", max_length=15, description="smpp driver: bind system_id")
    password: str = Field(default="", max_length=8, description="smpp driver: bind password")
    source_addr: str = Field(default="DakBooth", max_length=20, description="smpp driver: sender id")
    tls: bool = Field(default=False, description="smpp driver: wrap the session in TLS")
    enquire_link_s: float = Field(default=30, gt=0, description="smpp driver: keepalive when idle this long")
    submit_timeout_s: float = Field(default=10, gt=0, description="smpp driver: wait this long for an answer")
    callback_token: str | None = Field(
        default=None,
        min_length=16,
        description="http driver: token the gateway sends (Authorization: Bearer) with delivery reports",
    )


class EmailConfig(_Section):
    """How e-mail notifications leave the hub (sent when a pre-advice gives an address)."""

    driver: Literal["smtp", "log", "none"] = Field(default="none", description="smtp | log | none")
    host: str = Field(default="127.0.0.1", description="smtp driver: the mail server")
    port: int = Field(default=25, ge=1, le=65535, description="smtp driver: its port (587 with starttls)")
    from_address: str = Field(default="DakBooth <noreply@dakbooth.invalid>", description="From: header")
    starttls: bool = Field(default=False, description="smtp driver: upgrade to TLS before logging in")
    username: str | None = Field(default=None, description="smtp driver: login name, if the server wants one")
    password: str | None = Field(default=None, description="smtp driver: login password")
    timeout_s: float = Field(default=20, gt=0, description="smtp driver: network timeout")


class NotifyConfig(_Section):
    """Reminders for parcels that wait at the booth, and the last notice before return."""

    reminder_after_days: float = Field(default=3, gt=0, description="remind after this many days ready")
    reminders: int = Field(default=2, ge=0, le=9, description="at most this many reminders per parcel")
    final_notice: bool = Field(default=True, description="send a last notice one day before the code expires")
    final_before_hours: float = Field(default=24, gt=0, description="the last notice goes this long before")
    every_s: float = Field(default=60, gt=0, description="how often the reminder round runs")


class MonitoringConfig(_Section):
    """The monitoring cell: alert thresholds, how long a condition must last, who is on call."""

    offline_after_s: float = Field(default=300, gt=0, description="alert when a booth is offline this long")
    device_after_s: float = Field(default=60, ge=0, description="a device fault must last this long to alert")
    clear_after_s: float = Field(
        default=120, ge=0, description="a condition must be gone this long to resolve"
    )
    outbox_depth: int = Field(default=200, ge=1, description="alert above this many unsent events")
    outbox_age_s: float = Field(default=1800, gt=0, description="alert when the oldest unsent event is older")
    uncollected_days: float = Field(default=7, gt=0, description="alert on parcels ready for this many days")
    cash_limit: float = Field(default=50_000, gt=0, description="alert when COD cash held exceeds this (Tk)")
    evaluate_every_s: float = Field(default=5, gt=0, description="how often alerts are evaluated")
    oncall_sms: list[str] = Field(default_factory=list, description="phone numbers told of new alerts")
    fleet_poll_s: float = Field(default=0.5, gt=0, description="how often the fleet view polls the database")


class WebhooksConfig(_Section):
    """Where merchants' webhooks may be delivered."""

    allow_networks: list[str] = Field(
        default_factory=list,
        description="networks (CIDR) webhooks may reach although they are not public, e.g. "
        '["10.20.0.0/16"] for a merchant system on the operator\'s own network; empty: public addresses only',
    )

    @field_validator("allow_networks")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        for net in v:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ValueError(f"{net!r} is not a network such as 10.20.0.0/16") from None
        return v


class HubConfig(_Section):
    """The whole hub configuration."""

    http: HttpConfig = Field(default_factory=HttpConfig)
    broker: BrokerConfig = Field(default_factory=BrokerConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    sms: SmsConfig = Field(default_factory=SmsConfig)
    email: EmailConfig = Field(default_factory=EmailConfig)
    notify: NotifyConfig = Field(default_factory=NotifyConfig)
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    webhooks: WebhooksConfig = Field(default_factory=WebhooksConfig)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    if first["type"] == "extra_forbidden":
        return f"unknown key '{where}'"
    return f"invalid value for '{where}': {first['msg']}"


def _resolve(base: Path, cfg: HubConfig) -> HubConfig:
    """Make file paths and a relative SQLite path relative to the config file's directory."""
    broker = cfg.broker.model_copy(
        update={k: (base / v) for k in ("ca", "cert", "key") if (v := getattr(cfg.broker, k)) is not None}
    )
    url = cfg.database.url
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix and not url.startswith(prefix + "/"):
        rest = url[len(prefix) :]
        if not rest.startswith(":memory:"):
            url = prefix + str((base / rest).resolve())
    return cfg.model_copy(update={"broker": broker, "database": DatabaseConfig(url=url)})


# Secrets may live in files of their own (`password_file = "/run/secrets/smsc"`): kept out of the
# config file, readable by the hub's user only, mounted by the service manager or the orchestrator.
SECRET_KEYS = (("database", "url"), ("sms", "password"), ("sms", "callback_token"), ("email", "password"))


def _read_secrets(raw: dict[str, Any], base: Path) -> None:
    """Replace each `<key>_file` of SECRET_KEYS in raw by `<key>` with the file's text (relative paths
    against base, one trailing newline dropped); raise ConfigError naming the key."""
    for section, key in SECRET_KEYS:
        values = raw.get(section)
        if not isinstance(values, dict) or f"{key}_file" not in values:
            continue
        where = f"{section}.{key}_file"
        if key in values:
            raise ConfigError(f"'{section}.{key}' and '{where}' are both set: keep one")
        name = values.pop(f"{key}_file")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"invalid value for '{where}': a file path is expected")
        path = base / name
        try:
            secret = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ConfigError(f"cannot read '{where}' ({path}): {why}") from None
        values[key] = secret.removesuffix("\n").removesuffix("\r")


def parse(text: str, base: Path) -> HubConfig:
    """Parse TOML text into a HubConfig, resolving relative paths against base; raise ConfigError."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}") from None
    _read_secrets(raw, base)
    try:
        cfg = HubConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    return _resolve(base, cfg)


def load(path: Path) -> HubConfig:
    """Read and validate the config file at path; raise ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return parse(text, path.parent.resolve())
