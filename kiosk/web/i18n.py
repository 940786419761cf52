"""Languages of the counter pages: Bengali by default, English on a switch; Bengali digits in Bengali."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import Flask, request
from flask_babel import Babel, get_locale

from parcel.digits import bengali_digits

LANGUAGES = ("bn", "en")
DEFAULT = "bn"
COOKIE = "dakbooth_lang"
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"


def select_locale() -> str:
    """The clerk's chosen language (cookie), Bengali when none was chosen."""
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT


def language() -> str:
    """The language of the current request."""
    return str(get_locale() or DEFAULT)


def digits(value: object) -> str:
    """value as text, with Bengali digits when the page is in Bengali."""
    text = "" if value is None else str(value)
    return bengali_digits(text) if language() == "bn" else text


def taka(value: object) -> str:
    """An exact amount with two decimals and the taka sign, in the page's digits."""
    if value is None or value == "":
        return "—"
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return "৳ " + digits(f"{amount:,.2f}")


def when(value: object) -> str:
    """A date or time (ISO text or datetime) as YYYY-MM-DD HH:MM in the page's digits."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return digits(value)
    if isinstance(value, datetime):
        return digits(value.strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, date):
        return digits(value.isoformat())
    return digits(value)


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the kiosk's catalogues and the template filters."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters.update(digits=digits, taka=taka, when=when)
    app.jinja_env.globals.update(language=language, LANGUAGES=LANGUAGES)
