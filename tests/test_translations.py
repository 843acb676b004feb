"""Chinese is the default language: every message the web app shows has one zh translation.

Each area keeps its own catalogue (web/<area>/translations/zh); Flask-Babel merges them, so a
message translated differently in two catalogues would show whichever loaded first.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[1] / "web"
METHODS = [("assets/**", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}


def _catalogues() -> dict[Path, dict[str, str]]:
    found = {}
    for po in sorted(WEB.glob("**/translations/zh/LC_MESSAGES/messages.po")):
        with po.open("rb") as handle:
            found[po] = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(handle) if m.id}
    return found


def test_every_catalogue_entry_is_translated_and_shared_messages_agree():
    seen: dict[str, tuple[str, Path]] = {}
    problems = []
    for po, messages in _catalogues().items():
        for message, translation in messages.items():
            text = translation if isinstance(translation, str) else translation[0]
            if not text:
                problems.append(f"{po.relative_to(WEB)}: {message!r} has no translation")
            elif message in seen and seen[message][0] != text:
                problems.append(f"{message!r}: {seen[message][0]!r} in {seen[message][1].relative_to(WEB)} "
                                f"but {text!r} in {po.relative_to(WEB)}")
            seen.setdefault(message, (text, po))
    assert problems == []


def test_every_message_the_web_app_shows_has_a_chinese_translation():
    translated = set()
    for messages in _catalogues().values():
        translated |= set(messages)
    missing = set()
    for filename, _, message, _, _ in extract_from_dir(
            str(WEB), METHODS, options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
            keywords=KEYWORDS):
        text = message if isinstance(message, str) else message[0]
        if text and text not in translated:
            missing.add(f"{filename}: {text!r}")
    assert sorted(missing) == []
