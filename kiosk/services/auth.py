"""Clerks: creation and PIN login with lockout after repeated failures."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from kiosk.services import secrets_hash
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import audit, clerks

CLERK_ID = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")
PIN = re.compile(r"^[0-9]{4,12}$")
# A fixed salt for the dummy hash that keeps unknown-clerk logins as slow as real ones.
_DUMMY_SALT = b"0" * secrets_hash.SALT_BYTES


@dataclass(frozen=True)
class Clerk:
    """A logged-in clerk."""

    id: str
    role: str


def add_clerk(ctx: Context, clerk_id: str, pin: str, supervisor: bool = False) -> Clerk:
    """Create a clerk (or reset an existing clerk's PIN and role)."""
    if not CLERK_ID.match(clerk_id or ""):
        raise ServiceError("invalid_clerk", "a clerk id is 1-40 letters, digits, '.', '_' or '-'")
    if not PIN.fullmatch(pin or ""):
        raise ServiceError("invalid_pin", "a PIN is 4 to 12 digits")
    role = "supervisor" if supervisor else "clerk"
    salt = secrets_hash.new_salt()
    pin_hash = secrets_hash.digest(pin, salt)
    with ctx.store.transaction() as tx:
        clerks.upsert(tx, clerk_id, pin_hash, salt, role, ctx.now().isoformat())
        audit.record(tx, ctx.now().isoformat(), clerk_id, "add_clerk", None, role)
    return Clerk(clerk_id, role)


def login(ctx: Context, clerk_id: str, pin: str) -> Clerk:
    """Check a clerk's PIN; raise invalid_credentials (401) or clerk_locked (423)."""
    if not isinstance(clerk_id, str) or not isinstance(pin, str) or not clerk_id or not pin:
        raise ServiceError("invalid_credentials", "clerk and PIN are required", 401)
    now = time.time()
    with ctx.store.transaction() as tx:
        row = clerks.get(tx, clerk_id)
        if row is None:
            secrets_hash.digest(pin, _DUMMY_SALT)
            outcome = "unknown"
        elif row["locked_until"] is not None and row["locked_until"] > now:
            outcome = "locked"
        elif secrets_hash.matches(pin, row["pin_salt"], row["pin_hash"]):
            clerks.set_attempts(tx, clerk_id, 0, None)
            outcome = "ok"
        else:
            failed = row["failed_attempts"] + 1
            locked_until = None
            if failed >= ctx.counter.pin_attempts:
                locked_until = now + ctx.counter.pin_lock_min * 60
                failed = 0
            clerks.set_attempts(tx, clerk_id, failed, locked_until)
            outcome = "locked_now" if locked_until else "wrong_pin"
        audit.record(tx, ctx.now().isoformat(), clerk_id if row else None, "login", None, outcome)
    if outcome == "ok" and row is not None:
        return Clerk(clerk_id, row["role"])
    if outcome in ("locked", "locked_now"):
        raise ServiceError(
            "clerk_locked", f"too many wrong PINs; try again in {ctx.counter.pin_lock_min} minutes", 423
        )
    raise ServiceError("invalid_credentials", "wrong clerk or PIN", 401)


def approve(ctx: Context, supervisor_id: object, pin: object) -> Clerk:
    """A supervisor's approval: their PIN checked (with the same lockout); forbidden for a clerk."""
    if not isinstance(supervisor_id, str) or not isinstance(pin, str) or not supervisor_id or not pin:
        raise ServiceError("supervisor_required", "a supervisor must approve this", 403)
    approver = login(ctx, supervisor_id, pin)
    if approver.role != "supervisor":
        raise ServiceError("supervisor_required", "only a supervisor can approve this", 403)
    return approver


def require_supervisor(approver: Clerk | None, what: str) -> Clerk:
    """The approver if a supervisor, else supervisor_required (403)."""
    if approver is None or approver.role != "supervisor":
        raise ServiceError("supervisor_required", f"{what} needs a supervisor's approval", 403)
    return approver


def session_secret(ctx: Context) -> str:
    """The key that signs clerk session cookies (kept in the store, so sessions survive restarts)."""
    from kiosk.store.db import get_meta

    with ctx.store.read() as tx:
        return get_meta(tx, "secret_key")
