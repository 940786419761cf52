"""Shipping labels as PNG: Bengali text laid out by Pillow with RAQM, a Code128 and a QR of the S10 number."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import barcode
import segno
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw, ImageFont

FONTS = Path(__file__).with_name("fonts")
BENGALI = FONTS / "Lohit-Bengali.ttf"  # OFL; Lohit has no Latin letters, so Latin runs use Noto Mono
LATIN = FONTS / "NotoMono-Regular.ttf"
WIDTH, HEIGHT = 800, 1200  # 4 x 6 inch at 200 dpi
MARGIN = 40


@cache
def _font(size: int, bengali: bool = True) -> ImageFont.FreeTypeFont:
    # RAQM shapes Bengali conjuncts and vowel signs; the basic layout would break them apart.
    path = BENGALI if bengali else LATIN
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def _is_bengali(ch: str) -> bool:
    return "\u0980" <= ch <= "\u09ff"


def _runs(text: str) -> list[tuple[bool, str]]:
    """Split text into (bengali?, run) pieces; neutral characters join the run they are in."""
    runs: list[tuple[bool, str]] = []
    for ch in text:
        kind = _is_bengali(ch) if ch.isalnum() or _is_bengali(ch) else (runs[-1][0] if runs else False)
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + ch)
        else:
            runs.append((kind, ch))
    return runs


def _text(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, centre: bool = False) -> None:
    """Draw mixed Bengali/Latin text on one baseline, each run in a font that has its letters.

    Line breaks, tabs and other control characters in what a merchant typed become single spaces:
    a label line is one line.
    """
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    pieces = [(run, _font(size, bengali)) for bengali, run in _runs(text)]
    width = sum(font.getlength(run) for run, font in pieces)
    x = xy[0] - width / 2 if centre else xy[0]
    for run, font in pieces:
        draw.text((x, xy[1] + size), run, font=font, fill=0, anchor="ls")
        x += font.getlength(run)


def _code128(tracking_id: str) -> Image.Image:
    writer_options = {
        "module_width": 0.5,
        "module_height": 22.0,
        "quiet_zone": 2.0,
        "write_text": False,
        "dpi": 200,
    }
    image: Image.Image = barcode.get("code128", tracking_id, writer=ImageWriter()).render(writer_options)
    return image.convert("L")


def _qr(data: str) -> Image.Image:
    buf = io.BytesIO()
    segno.make(data, error="m", micro=False).save(buf, kind="png", scale=8, border=2)
    buf.seek(0)
    return Image.open(buf).convert("L")


def render_label(
    *,
    tracking_id: str,
    recipient_name: str,
    recipient_phone: str,
    destination: str,
    cod_amount: str,
    merchant: str,
    reference: str | None = None,
) -> bytes:
    """The label of one pre-advised parcel as PNG bytes."""
    img = Image.new("L", (WIDTH, HEIGHT), 255)
    draw = ImageDraw.Draw(img)
    y = MARGIN
    _text(draw, (MARGIN, y), "ডাকবুথ / DakBooth", 44)
    y += 80
    code = _code128(tracking_id)
    code = code.resize((WIDTH - 2 * MARGIN, code.height))
    img.paste(code, (MARGIN, y))
    y += code.height + 10
    _text(draw, (WIDTH // 2, y), tracking_id, 48, centre=True)
    y += 80
    draw.line((MARGIN, y, WIDTH - MARGIN, y), fill=0, width=3)
    y += 20
    lines = [
        (f"প্রাপক / To: {recipient_name}", 40),
        (f"ফোন / Phone: {recipient_phone}", 36),
        (f"গন্তব্য বুথ / Booth: {destination}", 36),
        (f"প্রাপকের কাছ থেকে আদায় / COD: ৳ {cod_amount}", 36),
        (f"প্রেরক / From: {merchant}", 32),
    ]
    if reference:
        lines.append((f"রেফারেন্স / Ref: {reference}", 32))
    for text, size in lines:
        _text(draw, (MARGIN, y), text, size)
        y += size + 28
    qr = _qr(tracking_id)
    img.paste(qr, (WIDTH - MARGIN - qr.width, HEIGHT - MARGIN - qr.height))
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
