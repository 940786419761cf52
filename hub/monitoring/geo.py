"""Division and district of a Bangladesh postcode, from a small table of postcode ranges.

Coverage: one range per district (all 64) as Bangladesh Post's four-digit codes are grouped by
district; the ranges are approximate (a district's first and last thana codes), so a code near a
range edge may be placed in a neighbouring district, and codes outside every range are "unknown".
Coordinates are each district's headquarters, rounded, for drawing the fleet map.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """Where a postcode is: district and division, with the district's map coordinates."""

    district: str
    division: str
    lat: float
    lon: float


UNKNOWN = Place("unknown", "unknown", 0.0, 0.0)

# (first postcode, last postcode, district, division, latitude, longitude)
RANGES: tuple[tuple[int, int, str, str, float, float], ...] = (
    (1000, 1399, "Dhaka", "Dhaka", 23.81, 90.41),
    (1400, 1499, "Narayanganj", "Dhaka", 23.62, 90.50),
    (1500, 1599, "Munshiganj", "Dhaka", 23.54, 90.53),
    (1600, 1699, "Narsingdi", "Dhaka", 23.92, 90.72),
    (1700, 1799, "Gazipur", "Dhaka", 24.00, 90.42),
    (1800, 1899, "Manikganj", "Dhaka", 23.86, 90.00),
    (1900, 1999, "Tangail", "Dhaka", 24.25, 89.92),
    (2000, 2099, "Jamalpur", "Mymensingh", 24.92, 89.95),
    (2100, 2199, "Sherpur", "Mymensingh", 25.02, 90.02),
    (2200, 2299, "Mymensingh", "Mymensingh", 24.75, 90.41),
    (2300, 2399, "Kishoreganj", "Dhaka", 24.44, 90.78),
    (2400, 2499, "Netrokona", "Mymensingh", 24.87, 90.73),
    (3000, 3099, "Sunamganj", "Sylhet", 25.07, 91.40),
    (3100, 3199, "Sylhet", "Sylhet", 24.89, 91.87),
    (3200, 3299, "Moulvibazar", "Sylhet", 24.48, 91.77),
    (3300, 3399, "Habiganj", "Sylhet", 24.38, 91.42),
    (3400, 3499, "Brahmanbaria", "Chattogram", 23.96, 91.11),
    (3500, 3599, "Cumilla", "Chattogram", 23.46, 91.18),
    (3600, 3699, "Chandpur", "Chattogram", 23.23, 90.67),
    (3700, 3799, "Lakshmipur", "Chattogram", 22.94, 90.83),
    (3800, 3899, "Noakhali", "Chattogram", 22.87, 91.10),
    (3900, 3999, "Feni", "Chattogram", 23.02, 91.40),
    (4000, 4399, "Chattogram", "Chattogram", 22.36, 91.78),
    (4400, 4499, "Khagrachhari", "Chattogram", 23.12, 91.98),
    (4500, 4599, "Rangamati", "Chattogram", 22.65, 92.17),
    (4600, 4699, "Bandarban", "Chattogram", 22.20, 92.22),
    (4700, 4799, "Cox's Bazar", "Chattogram", 21.45, 91.97),
    (5000, 5099, "Panchagarh", "Rangpur", 26.33, 88.55),
    (5100, 5199, "Thakurgaon", "Rangpur", 26.03, 88.46),
    (5200, 5299, "Dinajpur", "Rangpur", 25.63, 88.64),
    (5300, 5399, "Nilphamari", "Rangpur", 25.93, 88.85),
    (5400, 5499, "Rangpur", "Rangpur", 25.74, 89.28),
    (5500, 5599, "Lalmonirhat", "Rangpur", 25.91, 89.45),
    (5600, 5699, "Kurigram", "Rangpur", 25.81, 89.64),
    (5700, 5799, "Gaibandha", "Rangpur", 25.33, 89.54),
    (5800, 5899, "Bogura", "Rajshahi", 24.85, 89.37),
    (5900, 5999, "Joypurhat", "Rajshahi", 25.10, 89.02),
    (6000, 6299, "Rajshahi", "Rajshahi", 24.37, 88.60),
    (6300, 6399, "Chapainawabganj", "Rajshahi", 24.60, 88.27),
    (6400, 6499, "Natore", "Rajshahi", 24.41, 89.00),
    (6500, 6599, "Naogaon", "Rajshahi", 24.80, 88.93),
    (6600, 6699, "Pabna", "Rajshahi", 24.01, 89.24),
    (6700, 6799, "Sirajganj", "Rajshahi", 24.45, 89.70),
    (7000, 7099, "Kushtia", "Khulna", 23.90, 89.12),
    (7100, 7199, "Meherpur", "Khulna", 23.76, 88.63),
    (7200, 7299, "Chuadanga", "Khulna", 23.64, 88.84),
    (7300, 7399, "Jhenaidah", "Khulna", 23.54, 89.17),
    (7400, 7499, "Jashore", "Khulna", 23.17, 89.21),
    (7500, 7599, "Narail", "Khulna", 23.17, 89.50),
    (7600, 7699, "Magura", "Khulna", 23.49, 89.42),
    (7700, 7799, "Rajbari", "Dhaka", 23.76, 89.64),
    (7800, 7899, "Faridpur", "Dhaka", 23.61, 89.84),
    (7900, 7999, "Madaripur", "Dhaka", 23.17, 90.19),
    (8000, 8099, "Shariatpur", "Dhaka", 23.21, 90.35),
    (8100, 8199, "Gopalganj", "Dhaka", 23.01, 89.83),
    (8200, 8299, "Barishal", "Barishal", 22.70, 90.37),
    (8300, 8399, "Bhola", "Barishal", 22.69, 90.65),
    (8400, 8499, "Jhalokati", "Barishal", 22.64, 90.20),
    (8500, 8599, "Pirojpur", "Barishal", 22.58, 89.97),
    (8600, 8699, "Patuakhali", "Barishal", 22.36, 90.33),
    (8700, 8799, "Barguna", "Barishal", 22.15, 90.12),
    (9000, 9299, "Khulna", "Khulna", 22.85, 89.54),
    (9300, 9399, "Bagerhat", "Khulna", 22.66, 89.79),
    (9400, 9499, "Satkhira", "Khulna", 22.72, 89.07),
)

DIVISIONS = ("Barishal", "Chattogram", "Dhaka", "Khulna", "Mymensingh", "Rajshahi", "Rangpur", "Sylhet")
_STARTS = [r[0] for r in RANGES]


def place_of(postcode: str | int | None) -> Place:
    """The district and division a postcode belongs to, or UNKNOWN when no range holds it."""
    try:
        code = int(str(postcode).strip())
    except ValueError:
        return UNKNOWN
    i = bisect_right(_STARTS, code) - 1
    if i < 0:
        return UNKNOWN
    first, last, district, division, lat, lon = RANGES[i]
    if not first <= code <= last:
        return UNKNOWN
    return Place(district, division, lat, lon)


def postcode_of(booth_id: str) -> str:
    """The postcode inside a booth id (BD-1000-01 → 1000)."""
    parts = booth_id.split("-")
    return parts[1] if len(parts) == 3 else ""
