"""Printing: documents rendered in Bengali, sent to the printer, kept as jobs to reprint and preview.

A job is recorded before it is sent (in the caller's transaction when there is one), so a counter
action is never lost to a printer that is out of paper: the clerk reprints it from the job list.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from kiosk.devices.printing import Document, Rule, Space, Text, intake_receipt, parcel_label, preview_png
from kiosk.devices.printing.serialize import dumps, loads
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import print_jobs
from parcel.money import format_taka

log = logging.getLogger(__name__)

Pages = Document | list[Document]


@dataclass(frozen=True)
class JobResult:
    """What became of a print job: its id, whether it printed, and why not."""

    job_id: int
    printed: bool
    detail: str = ""


def _pages(pages: Pages) -> list[Document]:
    return [pages] if isinstance(pages, Document) else list(pages)


def keep(ctx: Context, kind: str, pages: Pages, tracking_id: str | None = None) -> int:
    """Record a job to print (joining the caller's transaction if one is open) and return its id."""
    docs = _pages(pages)
    if not docs:
        raise ValueError("a print job needs at least one page")
    text = "\n\f\n".join(doc.text() for doc in docs)
    with ctx.store.write() as tx:
        return print_jobs.add(tx, kind, tracking_id, text, ctx.now().isoformat(), dumps(docs))


def send(ctx: Context, job_id: int) -> JobResult:
    """Print a kept job now (status checked first) and record the outcome."""
    with ctx.store.read() as tx:
        job = print_jobs.get(tx, job_id)
    if job is None:
        raise ServiceError("not_found", f"no print job {job_id}", 404)
    failure = ctx.devices.print_pages(_documents(job))
    with ctx.store.transaction() as tx:
        print_jobs.mark(tx, job_id, "failed" if failure else "printed", failure or "", ctx.now().isoformat())
    if failure:
        log.warning("print job %s (%s %s) not printed: %s", job_id, job.kind, job.tracking_id or "", failure)
    return JobResult(job_id, failure is None, failure or "")


def print_document(ctx: Context, kind: str, pages: Pages, tracking_id: str | None = None) -> JobResult:
    """Keep and print a document (delivery receipt, Z-report, ...): the one call for other services."""
    return send(ctx, keep(ctx, kind, pages, tracking_id))


def reprint(ctx: Context, job_id: int) -> JobResult:
    """Print a kept job again (after paper was loaded, or for a lost receipt)."""
    return send(ctx, job_id)


def jobs(ctx: Context, limit: int = 50, status: str | None = None) -> list[dict[str, object]]:
    """The newest print jobs, for the clerk's list (no document bodies)."""
    if status is not None and status not in print_jobs.STATUSES:
        raise ServiceError("invalid_status", f"status must be one of {', '.join(print_jobs.STATUSES)}", 400)
    with ctx.store.read() as tx:
        rows = print_jobs.recent(tx, max(1, min(limit, 500)), status)
    return [
        {
            "id": j.id,
            "kind": j.kind,
            "tracking_id": j.tracking_id,
            "status": j.status,
            "detail": j.detail,
            "attempts": j.attempts,
            "created_at": j.created_at,
            "printed_at": j.printed_at,
        }
        for j in rows
    ]


def preview(ctx: Context, job_id: int, width_px: int | None = None) -> bytes:
    """A PNG of a job exactly as it is rendered for the printer (pages stacked)."""
    with ctx.store.read() as tx:
        job = print_jobs.get(tx, job_id)
    if job is None:
        raise ServiceError("not_found", f"no print job {job_id}", 404)
    width = width_px or ctx.devices.printer_width()
    docs = _documents(job)
    merged = Document()
    for i, doc in enumerate(docs):
        if i:
            merged.add(Space(), Rule(), Space())  # where the printer cuts
        merged.add(*doc.blocks)
    return preview_png(merged, width if width in (384, 576) else 576)


def _documents(job: print_jobs.PrintJob) -> list[Document]:
    if job.document:
        return loads(job.document)
    # a job kept before documents were stored: its text, line by line
    return [Document().add(*(Text(line) for line in job.content.splitlines()))]


def intake_documents(
    *,
    booth_id: str,
    tracking_id: str,
    recipient: str,
    phone: str,
    destination: str,
    weight_g: int,
    fee: Decimal,
    cod_amount: Decimal,
    when: str,
    sender: str | None = None,
) -> list[Document]:
    """The sender's receipt and the parcel label for an intake."""
    receipt = intake_receipt(
        tracking_id=tracking_id,
        booth_id=booth_id,
        recipient=recipient,
        phone=phone,
        destination=destination,
        weight_g=weight_g,
        fee=format_taka(fee),
        cod_amount=format_taka(cod_amount),
        when=when[:16].replace("T", " "),
        track_url=tracking_id,
        sender=sender,
    )
    label = parcel_label(tracking_id=tracking_id, recipient=recipient, phone=phone, destination=destination)
    return [receipt, label]
