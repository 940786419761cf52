"""The booth's printed documents, each laid out once as a Document."""

from __future__ import annotations

from kiosk.devices.printing.layout import Barcode, Document, Field, QrCode, Rule, Space, Text, Title


def intake_receipt(
    *,
    tracking_id: str,
    booth_id: str,
    recipient: str,
    phone: str,
    destination: str,
    weight_g: int,
    fee: str,
    cod_amount: str,
    when: str,
    track_url: str,
    sender: str | None = None,
) -> Document:
    """The sender's receipt for a parcel taken in at the counter (with the sender when one is known:
    the walk-in's name and mobile, or the pre-advising merchant)."""
    return Document().add(
        Title("ডাক বুথ রসিদ"),
        Text(f"বুথ {booth_id}", center=True),
        Rule(),
        *([Field("প্রেরক", sender)] if sender else []),
        Field("প্রাপক", recipient),
        Field("ফোন", phone),
        Field("গন্তব্য", destination),
        Field("ওজন", f"{weight_g} g"),
        Field("মাশুল", f"৳ {fee}"),
        Field("ক্যাশ অন ডেলিভারি", f"৳ {cod_amount}"),
        Field("সময়", when),
        Rule(),
        Barcode(tracking_id),
        Space(0.5),
        QrCode(track_url),
        Text("ধন্যবাদ", center=True),
    )


def parcel_label(*, tracking_id: str, recipient: str, phone: str, destination: str) -> Document:
    """The label stuck on the parcel: who and where, and the tracking barcode."""
    return Document().add(
        Title(destination),
        Field("প্রাপক", recipient),
        Field("ফোন", phone),
        Barcode(tracking_id),
    )
