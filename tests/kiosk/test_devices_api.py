"""The device-facing API and services over real drivers: scans as server-sent events, print jobs
(list, reprint, PNG preview) against a TCP printer peer, and counter photos from a camera file."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import pytest
import zxingcpp
from flask.testing import FlaskClient
from PIL import Image

from kiosk.config import CameraConfig, PrinterConfig, ScannerConfig
from kiosk.devices.camera import synthetic_frame
from kiosk.devices.drivers.camera import OpenCvCamera
from kiosk.devices.drivers.escpos_printer import EscposPrinter
from kiosk.devices.drivers.wedge_scanner import WedgeScanner
from kiosk.devices.manager import DeviceManager
from kiosk.devices.peers import PrinterPeer
from kiosk.devices.printing import Document, Text, Title
from kiosk.services import auth, commands, photos, printing
from kiosk.services.context import Context
from kiosk.services.errors import ServiceError
from kiosk.store import Store
from kiosk.store import photos as store_photos
from kiosk.store.db import SCHEMA_VERSION
from kiosk.web import create_app

TID = "RR123456785BD"


@dataclass
class Rig:
    """A booth context on real drivers, its printer peer and a logged-in test client."""

    ctx: Context
    peer: PrinterPeer
    client: FlaskClient
    csrf: str


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    peer = PrinterPeer().start()
    image = tmp_path / "counter.png"
    cv2.imwrite(str(image), synthetic_frame((1280, 720), "qr", TID))
    printer = EscposPrinter(
        PrinterConfig(driver="network", host=peer.host, port=peer.port, width_px=384, status_interval_s=0.2)
    )
    camera = OpenCvCamera(CameraConfig(driver="file", path=image, fps=5, photo_max_px=640))
    scanner = WedgeScanner(ScannerConfig(driver="wedge", min_len=6, inter_key_ms=40, suffix="CR"))
    manager = DeviceManager({"printer": printer, "camera": camera, "scanner": scanner})
    manager.start()
    store = Store(tmp_path / "kiosk.sqlite")
    ctx = Context(booth_id="BD-1000-01", store=store, devices=manager, store_dir=tmp_path)
    auth.add_clerk(ctx, "alice", "1234")
    client = create_app(ctx).test_client()
    csrf = client.post("/api/v1/session", json={"clerk": "alice", "pin": "1234"}).get_json()["csrf_token"]
    try:
        yield Rig(ctx, peer, client, csrf)
    finally:
        manager.stop()
        store.close()
        peer.stop()


def slip(text: str) -> Document:
    return Document().add(Title("জেড রিপোর্ট"), Text(text))


def test_scan_stream_sends_wedge_settings_then_scans(rig: Rig) -> None:
    assert rig.client.application.test_client().get("/api/v1/scans/stream").status_code == 401
    bus = rig.ctx.devices.scans
    resp = rig.client.get("/api/v1/scans/stream", buffered=False)
    assert resp.status_code == 200 and resp.mimetype == "text/event-stream"
    chunks = iter(resp.response)
    try:
        assert next(chunks).startswith(b"retry:")
        config = next(chunks).decode()
        assert config.startswith("event: config\n")
        assert json.loads(config.split("data: ", 1)[1]) == {"min_len": 6, "inter_key_ms": 40, "suffix": "CR"}
        # the camera's QR came before we listened; a serial read now, typed loosely, is canonicalised
        assert bus.publish("rb 0000 0001 4bd", "serial") is not None
        scan = next(chunks).decode()
        assert scan.startswith("event: scan\n")
        data = json.loads(scan.split("data: ", 1)[1])
        assert (data["code"], data["kind"], data["source"]) == ("RB000000014BD", "tracking", "serial")
        assert bus.listeners == 1
    finally:
        resp.close()
    assert bus.listeners == 0  # a closed stream unsubscribes


def test_camera_decodes_a_qr_as_a_scan(rig: Rig) -> None:
    assert rig.ctx.devices.health()["camera"].state == "ok"
    camera = rig.ctx.devices.devices["camera"]
    assert isinstance(camera, OpenCvCamera)
    assert camera.decoded >= 1  # the first frame was decoded before start() returned or soon after


def test_a_job_that_cannot_print_is_kept_reprinted_and_previewed(rig: Rig) -> None:
    rig.peer.paper = "out"
    rig.ctx.devices.devices["printer"].refresh()  # type: ignore[union-attr]
    result = printing.print_document(rig.ctx, "z-report", [slip("দিনের হিসাব"), slip("২য় পাতা")])
    assert result.printed is False and "paper out" in result.detail
    jobs = rig.client.get("/api/v1/print-jobs?status=failed").get_json()["jobs"]
    assert [(j["id"], j["kind"], j["attempts"]) for j in jobs] == [(result.job_id, "z-report", 1)]

    path = f"/api/v1/print-jobs/{result.job_id}/reprint"
    assert rig.client.post(path).status_code == 403  # no CSRF token
    assert rig.client.post(path, headers={"X-CSRF-Token": rig.csrf}).get_json()["printed"] is False
    rig.peer.paper = "ok"
    answer = rig.client.post(path, headers={"X-CSRF-Token": rig.csrf}).get_json()
    assert answer == {"job_id": result.job_id, "printed": True, "detail": ""}
    assert len(rig.peer.wait_for_pages(2)) == 2
    job = rig.client.get("/api/v1/print-jobs").get_json()["jobs"][0]
    assert (job["status"], job["attempts"]) == ("printed", 3) and job["printed_at"]

    preview = rig.client.get(f"/api/v1/print-jobs/{result.job_id}/preview.png")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    assert Image.open(io.BytesIO(preview.data)).width == 384
    assert rig.client.get("/api/v1/print-jobs/999/preview.png").status_code == 404
    assert (
        rig.client.post("/api/v1/print-jobs/999/reprint", headers={"X-CSRF-Token": rig.csrf}).status_code
        == 404
    )


def test_intake_documents_preview_shows_a_decodable_barcode(rig: Rig) -> None:
    from decimal import Decimal

    pages = printing.intake_documents(
        booth_id="BD-1000-01", tracking_id=TID, recipient="রহিমা", phone="01812345678",
        destination="BD-2000-01", weight_g=750, fee=Decimal("60"), cod_amount=Decimal("0"),
        when="2026-11-23T10:15:00+06:00",
    )  # fmt: skip
    job = printing.keep(rig.ctx, "receipt", pages, TID)
    png = rig.client.get(f"/api/v1/print-jobs/{job}/preview.png").data
    assert {b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))} >= {TID}


def test_take_photo_stores_a_resized_jpeg_and_returns_its_hash(rig: Rig) -> None:
    digest = photos.take_photo(rig.ctx, "parcel", TID)
    assert digest is not None
    data = photos.photo_jpeg(rig.ctx, digest)
    assert data is not None and hashlib.sha256(data).hexdigest() == digest
    assert Image.open(io.BytesIO(data)).size == (640, 360)  # longest side photo_max_px
    with rig.ctx.store.transaction():  # the counter calls it inside its own transaction
        assert photos.take_photo(rig.ctx, "delivery", TID) is not None
    with pytest.raises(ServiceError):
        photos.take_photo(rig.ctx, "selfie", TID)


def test_the_same_frame_for_two_parcels_is_a_photo_of_each(rig: Rig) -> None:
    """A still camera gives byte-identical photos: each parcel keeps its own (keyed by the bytes, the
    second parcel's photo was lost and its proof of delivery could not be fetched)."""
    other = "RR987654326BD"
    first = photos.take_photo(rig.ctx, "delivery", TID)
    second = photos.take_photo(rig.ctx, "delivery", other)
    assert first is not None and first == second  # the camera's file does not change
    photos.take_photo(rig.ctx, "delivery", other)  # the same photo kept twice is stored once
    with rig.ctx.store.read() as tx:
        assert [(p.kind, p.tracking_id) for p in store_photos.for_parcel(tx, TID)] == [("delivery", TID)]
        assert [(p.kind, p.tracking_id) for p in store_photos.for_parcel(tx, other)] == [("delivery", other)]
    fetched = commands.fetch_photo(rig.ctx, {"tracking_id": other})
    assert hashlib.sha256(base64.b64decode(json.loads(fetched)["jpeg_base64"])).hexdigest() == second


def test_an_older_store_keeps_its_photos_and_takes_the_same_bytes_again(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as db:  # a booth at the schema before: photos keyed by their sha256
        db.execute("DROP TABLE photos")
        db.execute(
            "CREATE TABLE photos (sha256 TEXT PRIMARY KEY, kind TEXT NOT NULL, tracking_id TEXT,"
            " width INTEGER NOT NULL, height INTEGER NOT NULL, jpeg BLOB NOT NULL, taken_at TEXT NOT NULL)"
        )
        db.execute(
            "INSERT INTO photos VALUES (?, 'delivery', ?, 4, 3, ?, '2026-11-20T10:00:00+00:00')",
            ("ab" * 32, TID, b"jpeg bytes"),
        )
        db.execute("PRAGMA user_version=6")
    store = Store(path)
    try:
        assert store.pragma("user_version") == SCHEMA_VERSION
        again = store_photos.Photo("ab" * 32, "delivery", "RR987654326BD", 4, 3, "2026-11-21T10:00:00+00:00")
        with store.transaction() as tx:
            store_photos.add(tx, again, b"jpeg bytes")
        with store.read() as tx:
            kept = [store_photos.for_parcel(tx, t) for t in (TID, "RR987654326BD")]
            assert [[p.taken_at for p in photos_of] for photos_of in kept] == [
                ["2026-11-20T10:00:00+00:00"],
                ["2026-11-21T10:00:00+00:00"],
            ]
            assert store_photos.jpeg(tx, "ab" * 32) == b"jpeg bytes"
    finally:
        store.close()


def test_take_photo_without_a_camera_is_none(tmp_path: Path) -> None:
    store = Store(tmp_path / "k.sqlite")
    try:
        ctx = Context(booth_id="BD-1000-01", store=store, devices=DeviceManager({}))
        assert photos.take_photo(ctx, "parcel", TID) is None
    finally:
        store.close()
