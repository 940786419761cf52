"""Counter fees: weight bands times a zone factor, from the tariff the hub sends in `config`."""

from __future__ import annotations

import itertools
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from parcel.money import PAISA


class Band(BaseModel):
    """Parcels up to max_g grams cost fee taka (before the zone factor)."""

    model_config = ConfigDict(extra="forbid")
    max_g: int = Field(gt=0)
    fee: Decimal = Field(ge=0)


class Tariff(BaseModel):
    """Weight bands, a per-kilogram rate beyond the last band, and zone factors."""

    model_config = ConfigDict(extra="forbid")
    bands: list[Band]
    extra_per_kg: Decimal = Field(ge=0)
    zones: dict[str, Decimal] = Field(
        default_factory=lambda: {"local": Decimal("1"), "national": Decimal("1.5")}
    )

    @field_validator("bands")
    @classmethod
    def _ascending(cls, bands: list[Band]) -> list[Band]:
        if not bands or any(a.max_g >= b.max_g for a, b in itertools.pairwise(bands)):
            raise ValueError("bands must be non-empty and ascending by max_g")
        return bands

    def fee(self, weight_g: int, zone: str) -> Decimal:
        """Fee in taka for a parcel of weight_g grams sent within zone."""
        if weight_g <= 0:
            raise ValueError("weight must be positive")
        if zone not in self.zones:
            raise ValueError(f"unknown zone {zone!r}")
        for band in self.bands:
            if weight_g <= band.max_g:
                base = band.fee
                break
        else:
            last = self.bands[-1]
            extra_kg = -(-(weight_g - last.max_g) // 1000)
            base = last.fee + self.extra_per_kg * extra_kg
        return (base * self.zones[zone]).quantize(PAISA)


DEFAULT_TARIFF = Tariff(
    bands=[
        Band(max_g=500, fee=Decimal("50")),
        Band(max_g=1000, fee=Decimal("70")),
        Band(max_g=2000, fee=Decimal("90")),
        Band(max_g=5000, fee=Decimal("130")),
    ],
    extra_per_kg=Decimal("25"),
)


def zone_between(origin_booth: str, destination_booth: str) -> str:
    """`local` when both booths share a postcode district (first two digits), else `national`."""
    return "local" if origin_booth[3:5] == destination_booth[3:5] else "national"
