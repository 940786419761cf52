"""Where webhooks may go: public addresses only, unless the deployment allows a network.

A merchant's URL is checked when it is registered and again at every delivery, after DNS resolution,
and the delivery connects to the very address that was checked, so a name that resolves inside (or
starts to, between the check and the connection) is refused too. Loopback, link-local (cloud metadata
at 169.254.169.254), private, carrier-grade NAT, multicast and reserved ranges are inside; so is any
URL with credentials or a scheme other than http/https.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Not global, yet not flagged by `is_private` on every Python: shared address space (RFC 6598), the
# IPv4/IPv6 translation prefixes, 6to4 relays.
EXTRA_INSIDE: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.88.99.0/24",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "2002::/16",
    )
)


class RefusedTarget(requests.RequestException):
    """A webhook URL that may not be called; str(error) says why."""


@dataclass(frozen=True)
class TargetPolicy:
    """Which addresses webhooks may reach: every public one, and the networks a deployment allows."""

    allowed: tuple[Network, ...] = field(default_factory=tuple)

    @classmethod
    def allowing(cls, networks: Iterable[str]) -> TargetPolicy:
        """A policy that also allows these networks (CIDR text, e.g. "127.0.0.0/8")."""
        return cls(tuple(ipaddress.ip_network(n, strict=False) for n in networks))

    def address_allowed(self, address: IPAddress) -> bool:
        """True when webhooks may connect to address."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in net for net in self.allowed):
            return True
        inside = (
            not address.is_global
            or address.is_multicast
            or address.is_reserved
            or any(address in net for net in EXTRA_INSIDE)
        )
        return not inside

    def check_url(self, url: str) -> str | None:
        """Why url may not be registered (its form, or where its host resolves now), or None when it may."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return "the URL is not valid"
        if parts.scheme not in ("http", "https"):
            return "the URL must start with https:// or http://"
        if parts.username is not None or parts.password is not None:
            return "the URL must not hold a user name or password"
        if not parts.hostname:
            return "the URL has no host"
        if port == 0:
            return "the URL's port is not valid"
        try:
            self.resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
        except requests.RequestException as exc:
            return str(exc)
        return None

    def resolve(self, host: str, port: int) -> str:
        """The address to connect to for host: the first it resolves to, once every one is allowed."""
        literal = _literal(host)
        if literal is not None:
            addresses: Sequence[IPAddress] = [literal]
        else:
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError) as exc:
                raise requests.ConnectionError(f"cannot resolve {host}") from exc
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        refused = [a for a in addresses if not self.address_allowed(a)]
        if refused or not addresses:
            raise RefusedTarget(
                f"{host} resolves to {refused[0] if refused else 'nothing'}, not a public address"
            )
        first = addresses[0]
        return f"[{first}]" if first.version == 6 else str(first)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


class PinnedAdapter(HTTPAdapter):
    """Connects to the address the policy checked, while TLS and the Host header keep the name."""

    def __init__(self, policy: TargetPolicy) -> None:
        super().__init__()
        self.policy = policy

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The pool's key with the host replaced by its checked address (requests' hook for this)."""
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host, port = host_params["host"], host_params["port"]
        scheme = host_params["scheme"]
        default = 443 if scheme == "https" else 80
        request.headers["Host"] = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
        if scheme == "https":
            pool_kwargs["assert_hostname"] = host
            pool_kwargs["server_hostname"] = host
        host_params["host"] = self.policy.resolve(host, port or default)
        return host_params, pool_kwargs


def pinned_session(policy: TargetPolicy) -> requests.Session:
    """A requests session whose every connection goes only where policy allows."""
    session = requests.Session()
    adapter = PinnedAdapter(policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
