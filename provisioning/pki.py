"""The deployment's certificate authority: CA, hub/broker/booth certificates, revocation list."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
LEAF_DAYS = 825


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def write_private(path: Path, data: bytes) -> None:
    """Write a secret file readable by its owner only (mode 0600 from the start)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def write_public(path: Path, data: bytes) -> None:
    """Write a public file (certificates, CRL)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.chmod(path, 0o644)


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """PEM of a private key (PKCS#8, unencrypted: the file mode protects it)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def cert_pem(cert: x509.Certificate) -> bytes:
    """PEM of a certificate."""
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class Issued:
    """A key and the certificate issued for it."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


class CertificateAuthority:
    """A CA kept as ca.key / ca.crt / crl.pem in one directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password=None)
        self.cert = x509.load_pem_x509_certificate((directory / "ca.crt").read_bytes())
        if not isinstance(self.key, ec.EllipticCurvePrivateKey):
            raise ValueError("the CA key must be an EC key")

    @classmethod
    def create(cls, directory: Path, name: str) -> CertificateAuthority:
        """Create a new CA (EC P-256) and an empty revocation list in directory."""
        if (directory / "ca.key").exists():
            raise FileExistsError(f"a CA already exists in {directory}")
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DakBooth"),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - dt.timedelta(minutes=5))
            .not_valid_after(_now() + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        write_private(directory / "ca.key", key_pem(key))
        write_public(directory / "ca.crt", cert_pem(cert))
        ca = cls(directory)
        ca.write_crl([])
        return ca

    def issue(self, common_name: str, *, server_names: tuple[str, ...] = (), client: bool = True) -> Issued:
        """Issue a leaf certificate: CN = common_name; server_names become DNS/IP SANs for a TLS server."""
        key = ec.generate_private_key(ec.SECP256R1())
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH] if client else []
        if server_names:
            usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - dt.timedelta(minutes=5))
            .not_valid_after(_now() + dt.timedelta(days=LEAF_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),  # type: ignore[arg-type]
                critical=False,
            )
        )
        if server_names:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([_san(n) for n in server_names]), critical=False
            )
        cert = builder.sign(self.key, hashes.SHA256())  # type: ignore[arg-type]
        return Issued(key, cert)

    def write_crl(self, revoked_serials: list[int]) -> Path:
        """Write crl.pem listing revoked_serials; returns its path."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(_now() - dt.timedelta(minutes=5))
            .next_update(_now() + dt.timedelta(days=30))
        )
        for serial in revoked_serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(_now()).build()
            )
        crl = builder.sign(self.key, hashes.SHA256())  # type: ignore[arg-type]
        path = self.directory / "crl.pem"
        write_public(path, crl.public_bytes(serialization.Encoding.PEM))
        return path


def _san(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def save_issued(issued: Issued, cert_path: Path, key_path: Path) -> None:
    """Write an issued certificate and its key (key mode 0600)."""
    write_public(cert_path, cert_pem(issued.cert))
    write_private(key_path, key_pem(issued.key))
