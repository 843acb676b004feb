"""Languages and times: Chinese (zh_CN) by default, English selectable; times in the configured zone.

Each area keeps its own catalogue (`web/<area>/translations/`), so areas never edit one shared
file. Catalogues are compiled from their `.po` source when the app starts and a `.mo` is missing
or older.
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request, session
from flask_babel import Babel, format_datetime, gettext

from . import security

LOCALES = ("zh_CN", "en")
HERE = Path(__file__).parent
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    directories = sorted(str(p.relative_to(HERE)) for p in _catalogue_dirs(HERE))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh_CN")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["SQFLOW_SETTINGS"].timezone)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", ";".join(directories))
    compile_catalogues(HERE)
    Babel(app, locale_selector=_locale)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["time_left"] = time_left
    app.context_processor(lambda: {"locales": LOCALES, "current_locale": _locale()})


def _locale() -> str:
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    user = security.current_user()
    if user is not None and user.locale in LOCALES:
        return user.locale
    return request.accept_languages.best_match(["zh_CN", "zh", "en"]) == "en" and "en" or "zh_CN"


def _catalogue_dirs(root: Path) -> list[Path]:
    """The shared catalogue and one per area (never a walk through web/assets/node_modules)."""
    return [p for p in [root / "translations", *root.glob("*/translations")] if p.is_dir()]


def compile_catalogues(root: Path) -> None:
    for po in (po for folder in _catalogue_dirs(root) for po in folder.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        try:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)
        except OSError as exc:  # a read-only install keeps whatever was compiled at build time
            log.warning("cannot compile %s: %s", po, exc)


def local_time(value: datetime | None, style: str = "yyyy-MM-dd HH:mm") -> str:
    return "" if value is None else format_datetime(value, style)


def time_left(seconds: int | None) -> str:
    """'3 h 20 min left' / 'overdue 1 d 2 h' in the user's language."""
    if seconds is None:
        return ""
    amount = abs(seconds)
    days, rest = divmod(amount, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = ([gettext("%(n)d d", n=days)] if days else []) + ([gettext("%(n)d h", n=hours)] if hours else [])
    if not days:
        parts.append(gettext("%(n)d min", n=minutes))
    span = " ".join(parts[:2])
    return gettext("%(span)s left", span=span) if seconds >= 0 else gettext("overdue %(span)s", span=span)
