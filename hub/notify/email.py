"""E-mail notifications: SMTP (standard library) or the log, chosen by name from config."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Protocol

from hub.config import EmailConfig
from hub.notify.drivers import SendError

log = logging.getLogger(__name__)


class EmailError(SendError):
    """The mail server did not take the message; str(error) says why (no text, no code)."""


class Mailer(Protocol):
    """Sends one e-mail and returns its Message-ID."""

    def send(
        self, to: str, subject: str, body: str, secret: str | None = None, key: str | None = None
    ) -> str:
        """Send a plain-text UTF-8 e-mail; secret, if given, must never be logged."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "dakbooth.invalid"


def build_message(sender: str, to: str, subject: str, body: str, key: str | None = None) -> EmailMessage:
    """A plain-text UTF-8 message (quoted-printable body, RFC 2047 subject)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = Address(addr_spec=to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=_domain(sender))
    if key:
        msg["X-DakBooth-Cause"] = key  # one cause, one message: lets a mailbox spot a resend
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    return msg


class SmtpMailer:
    """Delivers through an SMTP server: one connection per message, STARTTLS and login if configured."""

    def __init__(self, cfg: EmailConfig) -> None:
        self.cfg = cfg

    def close(self) -> None:
        """Nothing is kept open between messages."""

    def send(
        self, to: str, subject: str, body: str, secret: str | None = None, key: str | None = None
    ) -> str:
        """Send the message or raise EmailError (permanent when the server refused the address)."""
        try:
            msg = build_message(self.cfg.from_address, to, subject, body, key)
        except (ValueError, IndexError):
            raise EmailError("not a valid e-mail address", permanent=True) from None
        try:
            with smtplib.SMTP(self.cfg.host, self.cfg.port, timeout=self.cfg.timeout_s) as smtp:
                if self.cfg.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.cfg.username:
                    smtp.login(self.cfg.username, self.cfg.password or "")
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused:
            raise EmailError("mail server refused the recipient", permanent=True) from None
        except smtplib.SMTPResponseException as exc:
            raise EmailError(
                f"mail server answered {exc.smtp_code}", permanent=exc.smtp_code >= 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise EmailError(f"mail server unreachable: {type(exc).__name__}") from None
        return str(msg["Message-ID"])


class LogMailer:
    """Writes the e-mail's subject to the log (never the body, which may hold a code)."""

    def close(self) -> None:
        """Nothing to release."""

    def send(
        self, to: str, subject: str, body: str, secret: str | None = None, key: str | None = None
    ) -> str:
        """Log that an e-mail would go to `to`; return a local Message-ID."""
        shown = subject.replace(secret, "******") if secret else subject
        log.info("e-mail to %s: %s", to, shown)
        return make_msgid(domain="dakbooth.invalid")


def make_mailer(cfg: EmailConfig) -> Mailer | None:
    """The mailer named in config; None when e-mail is switched off."""
    if cfg.driver == "smtp":
        return SmtpMailer(cfg)
    if cfg.driver == "log":
        return LogMailer()
    return None
