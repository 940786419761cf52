"""Receipt rendering (Bengali shaping, symbols that decode), ESC/POS raster bands, config and status."""

from __future__ import annotations

import io

import pytest
from escpos.printer import Dummy, File, Network, Serial
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw, ImageFont
from pyzbar import pyzbar

from kiosk.devices.printing import (
    Document,
    FontSet,
    MissingGlyphs,
    PrinterConfigError,
    PrinterStatus,
    Text,
    Title,
    check_raqm,
    decode,
    interpret,
    make_printer,
    preview_png,
    print_document,
    print_image,
    printer_settings,
    render,
)
from kiosk.devices.printing.escpos_decode import EscposDecoder, StatusQuery
from kiosk.devices.printing.fonts import BENGALI, font_path

from .conftest import TRACK_URL, TRACKING


def symbols(image: Image.Image) -> dict[str, str]:
    return {s.type: s.data.decode() for s in pyzbar.decode(image.convert("L"))}


def test_raqm_available():
    assert check_raqm()


@pytest.mark.parametrize("width", [384, 576])
def test_receipt_is_one_bit_at_paper_width_and_symbols_decode(receipt, width):
    image = render(receipt, width)
    assert image.mode == "1" and image.width == width
    assert symbols(image) == {"CODE128": TRACKING, "QRCODE": TRACK_URL}


def test_conjunct_is_shaped():
    font = FontSet().font(0, 40)
    joined = font.getlength("ক্ষ")
    separate = font.getlength("ক") + font.getlength("্") + font.getlength("ষ")
    assert joined < separate - 10
    basic = ImageFont.truetype(str(font_path(BENGALI)), 40, layout_engine=ImageFont.Layout.BASIC)
    shaped = Image.new("L", (200, 80), 255)
    unshaped = shaped.copy()
    ImageDraw.Draw(shaped).text((5, 5), "ক্ষ", font=font, fill=0)
    ImageDraw.Draw(unshaped).text((5, 5), "ক্ষ", font=basic, fill=0)
    assert ImageChops.difference(shaped, unshaped).getbbox() is not None


def test_no_tofu_in_receipt(receipt):
    fonts = FontSet()
    text = receipt.text() + "০১২৩৪৫৬৭৮৯"
    assert fonts.missing(text) == set()
    assert fonts.missing("☃") == {"☃"}
    with pytest.raises(MissingGlyphs):
        render(Document().add(Text("snow ☃")))


def test_bengali_line_is_drawn_and_differs_from_latin():
    a = render(Document().add(Title("ডাক বুথ রসিদ")))
    b = render(Document().add(Title("DAK BOOTH")))
    assert a.getbbox() is not None
    assert ImageChops.difference(a.convert("L"), b.convert("L").resize(a.size)).getbbox() is not None
    # some black dots were printed
    assert a.convert("L").histogram()[0] > 100


def test_long_text_wraps_within_width():
    image = render(Document().add(Text("প্রাপক " * 40)), 384)
    one = render(Document().add(Text("প্রাপক")), 384)
    assert image.width == 384 and image.height > 5 * one.height


def test_preview_png(receipt):
    png = preview_png(receipt, 384)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(png)).size[0] == 384


@pytest.mark.parametrize("band_rows", [64, 255])
def test_escpos_raster_round_trip(receipt, band_rows):
    image = render(receipt, 576)
    printer = Dummy()
    print_image(printer, image, band_rows)
    data = printer.output
    assert data.startswith(b"\x1b@")
    bands = data.count(b"\x1dv0")
    assert bands == -(-image.height // band_rows)
    # every band header declares at most band_rows rows and 72 bytes per row
    i = data.find(b"\x1dv0")
    while i >= 0:
        wb = data[i + 4] + 256 * data[i + 5]
        h = data[i + 6] + 256 * data[i + 7]
        assert wb == 72 and h <= band_rows
        i = data.find(b"\x1dv0", i + 8 + wb * h)
    (page,) = decode(data)
    assert page.cut
    (back,) = page.images
    assert back.size == image.size
    assert ImageChops.difference(back.convert("L"), image.convert("L")).getbbox() is None
    assert symbols(back) == {"CODE128": TRACKING, "QRCODE": TRACK_URL}


def test_decoder_handles_split_stream_text_and_status():
    printer = Dummy()
    printer.text("Hello\n")
    printer.set(bold=True, align="center")
    printer.text("Booth\n")
    printer.cut()
    data = b"\x10\x04\x01" + printer.output + b"\x10\x04\x04"
    dec = EscposDecoder()
    queries = []
    for i in range(len(data)):
        queries += dec.feed(data[i : i + 1])
    assert queries == [StatusQuery(1), StatusQuery(4)]
    (page,) = dec.finish()
    assert page.lines == ["Hello", "Booth"] and page.cut


def test_decoder_rejects_absurd_raster_header():
    dec = EscposDecoder()
    dec.feed(b"\x1dv0\x00\xff\xff\xff\xffOK\n")
    assert dec.unknown == [b"\x1dv0\x00\xff\xff\xff\xff"]
    assert dec.finish()[0].lines == ["OK"]


@settings(max_examples=200)
@given(st.lists(st.binary(max_size=64), max_size=12))
def test_decoder_never_raises_on_random_bytes(chunks):
    dec = EscposDecoder()
    for c in chunks:
        assert all(isinstance(q, StatusQuery) for q in dec.feed(c))
    dec.finish()


def test_config_factory(tmp_path):
    assert isinstance(make_printer({"driver": "network", "host": "127.0.0.1"}), Network)
    assert isinstance(make_printer({"driver": "file", "path": str(tmp_path / "out.bin")}), File)
    serial_printer = make_printer({"driver": "serial", "port": "/dev/null", "width_px": 384})
    assert isinstance(serial_printer, Serial)
    assert serial_printer.profile.profile_data["media"]["width"]["pixels"] == 384
    assert Dummy().profile.profile_data["media"]["width"]["pixels"] == "Unknown"  # not leaked
    usb = make_printer({"driver": "usb", "vendor_id": "0x04b8", "product_id": "0x0202"})
    assert usb.usb_args == {"idVendor": 0x04B8, "idProduct": 0x0202}
    assert printer_settings({"driver": "network", "host": "h"})["port"] == 9100


@pytest.mark.parametrize(
    "config,message",
    [
        ({"driver": "cups"}, "unknown printer driver"),
        ({"driver": "network"}, "needs: host"),
        ({"driver": "network", "host": "h", "colour": "red"}, "unknown printer keys"),
        ({"driver": "network", "host": "h", "width_px": 500}, "width_px"),
        ({"driver": "usb", "vendor_id": "epson", "product_id": 1}, "integer"),
    ],
)
def test_config_errors(config, message):
    with pytest.raises(PrinterConfigError, match=message):
        make_printer(config)


def test_file_driver_prints(tmp_path, receipt):
    out = tmp_path / "printer.bin"
    config = {"driver": "file", "path": str(out), "width_px": 384}
    status = print_document(make_printer(config), config, receipt)
    assert status.can_print
    (page,) = decode(out.read_bytes())
    assert symbols(page.images[0])["CODE128"] == TRACKING


@pytest.mark.parametrize(
    "printer_byte,paper_byte,expected",
    [
        (0x12, 0x12, PrinterStatus(True, "ok", "")),
        (0x12, 0x1E, PrinterStatus(True, "low", "paper low")),
        (0x1A, 0x72, PrinterStatus(False, "out", "paper out")),
        (None, None, PrinterStatus(False, "unknown", "no answer to status query")),
        (0xFF, 0x12, PrinterStatus(False, "unknown", "bad status byte 0xff")),
        (0x12, None, PrinterStatus(True, "unknown", "no paper status")),
    ],
)
def test_interpret_status(printer_byte, paper_byte, expected):
    assert interpret(printer_byte, paper_byte) == expected


def test_status_states():
    assert PrinterStatus(True, "ok").state == "ok"
    assert PrinterStatus(True, "low").state == "warning"
    assert PrinterStatus(True, "out").state == "error"
    assert not PrinterStatus(False, "unknown").can_print
