"""Walk-in numbers across serial blocks of different service indicators: each issued once, in order."""

from __future__ import annotations

from kiosk.services import inbound
from kiosk.store import booth_config
from parcel import s10
from parcel.control import BoothConfig, SerialBlockMsg
from tests.kiosk.conftest import Booth


def test_blocks_of_two_service_indicators_never_collide(booth: Booth) -> None:
    # Same numeric range under CP and under CA: a plain numeric cursor would skip the CA block.
    config = BoothConfig(
        serial_blocks=[
            SerialBlockMsg(service="CA", start=10_000_000, end=10_000_003),
            SerialBlockMsg(service="CP", start=10_000_000, end=10_000_003),
        ]
    )
    inbound.apply_config(booth.ctx, config)
    issued = []
    with booth.ctx.store.transaction() as tx:
        assert booth_config.remaining(tx) == 6
        while (taken := booth_config.take_serial(tx)) is not None:
            block, serial = taken
            issued.append(block.number(serial))
        assert booth_config.remaining(tx) == 0
    expected = [s10.make("CP", 10_000_000 + i) for i in range(3)] + [
        s10.make("CA", 10_000_000 + i) for i in range(3)
    ]
    assert issued == expected  # CP first (allocation order), then CA, nothing twice


def test_ordinal_orders_by_allocation() -> None:
    assert s10.ordinal("CP", 99_999_999) < s10.ordinal("CA", 10_000_000) < s10.ordinal("CB", 10_000_000)
    assert s10.ordinal("CP", 12_345) == 12_345  # serials stored before the ordinal keep their meaning
