"""The counter's slips in Bengali (delivery, return, return arrival and return handover receipts,
Z-report), kept and printed through the printing service: kept inside the action's transaction,
printed after it commits."""

from __future__ import annotations

from decimal import Decimal

from kiosk.devices.printing import Barcode, Document, Field, Rule, Text, Title
from kiosk.services import printing
from kiosk.services.context import Context
from kiosk.store import print_jobs
from parcel.money import format_taka

VERIFIED = {"code": "সংগ্রহ কোড", "id_document": "পরিচয়পত্র"}
RETURN_REASONS = {
    "refused": "প্রাপক নেননি",
    "uncollected": "সংগ্রহ করা হয়নি",
    "damaged": "ক্ষতিগ্রস্ত পণ্য",
    "wrong_goods": "ভুল পণ্য",
}


def _when(stamp: str) -> str:
    return stamp[:16].replace("T", " ")


def delivery_receipt(
    booth: str, tid: str, recipient: str | None, cod: Decimal, verified_by: str, stamp: str
) -> Document:
    """The customer's receipt for a parcel handed over and its COD paid."""
    return Document().add(
        Title("বিতরণ রসিদ"),
        Text(f"ডাক বুথ {booth}", center=True),
        Rule(),
        Field("প্রাপক", recipient or "—"),
        Field("পরিশোধিত (COD)", f"৳ {format_taka(cod)}"),
        Field("যাচাই", VERIFIED.get(verified_by, verified_by)),
        Field("সময়", _when(stamp)),
        Rule(),
        Barcode(tid),
        Text("ধন্যবাদ", center=True),
    )


def return_receipt(booth: str, tid: str, origin: str, kind: str, note: str | None, stamp: str) -> Document:
    """The receipt for a parcel sent back to its sender's booth."""
    doc = Document().add(
        Title("ফেরত রসিদ"),
        Text(f"ডাক বুথ {booth}", center=True),
        Rule(),
        Field("ফেরত যাবে", origin or "প্রেরক"),
        Field("কারণ", RETURN_REASONS.get(kind, kind)),
    )
    if note:
        doc.add(Text(note))
    return doc.add(Field("সময়", _when(stamp)), Rule(), Barcode(tid))


COLLECTED_BY = {"merchant": "ব্যবসায়ী", "sender": "প্রেরক"}
DOCUMENTS = {
    "nid": "জাতীয় পরিচয়পত্র",
    "passport": "পাসপোর্ট",
    "birth_certificate": "জন্ম নিবন্ধন",
    "driving_licence": "ড্রাইভিং লাইসেন্স",
    "trade_licence": "ট্রেড লাইসেন্স",
}


def return_arrival_receipt(
    booth: str, tid: str, destination: str | None, shelf: str | None, merchant: str | None, stamp: str
) -> Document:
    """The booth's slip for a returned parcel back at its sender's booth (kept with the parcel)."""
    doc = Document().add(
        Title("ফেরত পৌঁছেছে"),
        Text(f"ডাক বুথ {booth}", center=True),
        Rule(),
        Field("যেখান থেকে ফেরত", destination or "—"),
        Field("প্রেরক", merchant or "সাধারণ প্রেরক"),
        Field("তাক", shelf or "—"),
    )
    return doc.add(Field("সময়", _when(stamp)), Rule(), Barcode(tid), Text("প্রেরককে ফেরত দিন", center=True))


def return_handover_receipt(
    booth: str, tid: str, collected_by: str, name: str, document_kind: str, tail: str, stamp: str
) -> Document:
    """The sender's receipt for a returned parcel handed back: no COD is taken."""
    return Document().add(
        Title("ফেরত হস্তান্তর রসিদ"),
        Text(f"ডাক বুথ {booth}", center=True),
        Rule(),
        Field("গ্রহণকারী", f"{COLLECTED_BY.get(collected_by, collected_by)}: {name}"),
        Field("পরিচয়", f"{DOCUMENTS.get(document_kind, document_kind)} …{tail}"),
        Field("COD", "প্রযোজ্য নয়"),
        Field("সময়", _when(stamp)),
        Rule(),
        Barcode(tid),
        Text("ধন্যবাদ", center=True),
    )


def z_report(
    booth: str,
    when: str,
    expected: Decimal,
    counted: Decimal,
    count: int,
    reason: str | None,
    clerk: str,
    approver: str | None,
    stamp: str,
) -> Document:
    """The end-of-day cash report (Z-report)."""
    difference = counted - expected
    doc = Document().add(
        Title("দিনশেষ হিসাব (Z)"),
        Text(f"ডাক বুথ {booth}", center=True),
        Field("কার্যদিবস", when),
        Rule(),
        Field("বিতরণ", str(count)),
        Field("প্রত্যাশিত COD", f"৳ {format_taka(expected)}"),
        Field("গণনা করা নগদ", f"৳ {format_taka(counted)}"),
        Field("পার্থক্য", f"{'-' if difference < 0 else ''}৳ {format_taka(abs(difference))}"),
    )
    if reason:
        doc.add(Field("কারণ", reason))
    doc.add(Rule(), Field("কর্মী", clerk))
    if approver:
        doc.add(Field("অনুমোদন", approver))
    return doc.add(Field("বন্ধের সময়", _when(stamp)))


def keep(ctx: Context, kind: str, doc: Document, tracking_id: str | None) -> int:
    """Keep a slip as a print job (inside the caller's transaction when one is open)."""
    return printing.keep(ctx, kind, doc, tracking_id)


def send(ctx: Context, job_id: int) -> bool:
    """Print a kept slip now; True when it printed (a failed one stays in the job list to reprint)."""
    return printing.send(ctx, job_id).printed


def printed(ctx: Context, tracking_id: str) -> bool:
    """True when the newest slip of a parcel printed."""
    with ctx.store.read() as tx:
        return print_jobs.latest_for(tx, tracking_id) == "printed"
