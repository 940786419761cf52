"""A traffic generator for the demo: whole journeys through the contract APIs, one after another."""

from __future__ import annotations

import logging
import random
import threading
from typing import Protocol

from demo.client import ApiError, KioskClient, wait_until
from demo.stack import Stack

log = logging.getLogger("demo.traffic")


class CodeSource(Protocol):
    """Where the customers' SMS land (the HTTP sink or the SMPP peer): finds a collection code."""

    def code_for(self, phone: str, tracking_id: str) -> str | None:
        """The collection code in the newest SMS to phone that names tracking_id, if any."""
        ...


NAMES = ("রহিমা খাতুন", "মোঃ করিম উদ্দিন", "Nusrat Jahan", "সুমাইয়া আক্তার", "Abdul Alim")


def one_journey(stack: Stack, sms: CodeSource, rng: random.Random) -> str:
    """Intake at one booth for another, receive there, collect with the SMS code; return the tracking id."""
    origin, destination = rng.sample(list(stack.kiosks.values()), 2)
    phone = f"+88017{rng.randrange(10**8):08d}"
    cod = f"{rng.randrange(0, 5000)}.{rng.choice(['00', '50'])}"
    with_origin = origin.client()
    parcel = with_origin.intake(
        recipient={"name": rng.choice(NAMES), "phone": phone},
        destination=destination.spec.booth_id,
        cod_amount=cod,
    )
    tracking_id = parcel["tracking_id"]
    at_destination = destination.client()
    wait_until(lambda: _received(at_destination, tracking_id), timeout=60, what=f"{tracking_id} to arrive")
    # Received before its manifest came, a parcel's COD due is not known yet: the handover would be
    # refused (cod_unknown), so the clerk waits for the manifest, as the counter page tells them to.
    wait_until(
        lambda: cod_known(at_destination, tracking_id), timeout=60, what=f"the manifest of {tracking_id}"
    )
    code = wait_until(lambda: sms.code_for(phone, tracking_id), timeout=60, what=f"the SMS for {tracking_id}")
    at_destination.handover(tracking_id, code, cod)
    with_origin.close()
    at_destination.close()
    return tracking_id


def _received(client: KioskClient, tracking_id: str) -> bool:
    return client.receive(tracking_id)["status"] == "ready"


def cod_known(client: KioskClient, tracking_id: str) -> bool:
    """True when the booth knows the COD due of a parcel waiting there (its manifest has come)."""
    return any(
        p["tracking_id"] == tracking_id and p["cod_amount"] is not None for p in client.find(tracking_id)
    )


def run(stack: Stack, sms: CodeSource, stop: threading.Event, every_s: float = 8.0, seed: int = 1) -> None:
    """Run journeys until stop is set, logging each one."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    while not stop.wait(every_s):
        try:
            tracking_id = one_journey(stack, sms, rng)
            log.info("journey done: %s delivered", tracking_id)
        except (ApiError, TimeoutError) as exc:
            log.warning("journey failed: %s", exc)
