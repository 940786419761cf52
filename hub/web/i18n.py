"""Languages of the hub's pages: Bengali by default, English on a switch; Bengali digits in Bengali.

The language is, in order: a `?lang=bn|en` on the request (remembered in a cookie), the cookie,
the browser's Accept-Language, Bengali.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response, request
from flask_babel import Babel, get_locale

from hub.clock import DHAKA
from parcel.digits import bengali_digits

LANGUAGES = ("bn", "en")
DEFAULT = "bn"
COOKIE = "dakbooth_lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
NAMES = {"bn": "বাংলা", "en": "English"}


def _chosen() -> str | None:
    """The language asked for by the link or remembered in the cookie, if it is one we have."""
    for chosen in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if chosen in LANGUAGES:
            return chosen
    return None


def select_locale() -> str:
    """The request's language: the switch, then the cookie, then Accept-Language, then Bengali."""
    return _chosen() or request.accept_languages.best_match(LANGUAGES) or DEFAULT


def language() -> str:
    """The language of the current request."""
    return str(get_locale() or DEFAULT)


def switch_url(code: str) -> str:
    """This page's URL (path and query) with the language switched to code."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.path + "?" + urlencode([*args, ("lang", code)])


def digits(value: object) -> str:
    """value as text, with Bengali digits when the page is in Bengali."""
    text = "" if value is None else str(value)
    return bengali_digits(text) if language() == "bn" else text


def number(value: object, places: int | None = None) -> str:
    """A number with thousands separators (and places decimals when given), in the page's digits."""
    if value is None or value == "":
        return "–"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return digits(value)
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places))
        return digits(f"{amount:,.{places}f}")
    return digits(f"{amount:,}")


def taka(value: object) -> str:
    """An exact amount with two decimals and the taka sign, in the page's digits."""
    if value is None or value == "":
        return "—"
    return "৳ " + number(value, 2)


def when(value: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A time (datetime, date or ISO text) in fmt, in the page's digits; a time with an offset is shown
    on the Dhaka clock, whatever offset the booth or the database wrote it with."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return digits(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(DHAKA)
    if isinstance(value, date | datetime):
        return digits(value.strftime(fmt))
    return digits(value)


def _remember(resp: Response) -> Response:
    """Keep the language chosen with ?lang= in a cookie, so the next page opens in it."""
    if resp.mimetype == "text/html":
        resp.vary.update(("Cookie", "Accept-Language"))
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
        resp.set_cookie(
            COOKIE, chosen, max_age=COOKIE_MAX_AGE_S, httponly=True, samesite="Lax", secure=request.is_secure
        )
    return resp


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with the hub's catalogue, the language cookie and the template helpers."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    Babel(app, locale_selector=select_locale)
    app.after_request(_remember)
    app.jinja_env.filters.update(digits=digits, number=number, taka=taka, when=when)
    app.jinja_env.globals.update(
        language=language, switch_url=switch_url, LANGUAGES=LANGUAGES, LANGUAGE_NAMES=NAMES
    )
