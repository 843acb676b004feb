"""Names written "中文 English" (diagram elements, deadlines, form fields) as one reader reads them:
the half of their language, without the requirement ids that belong in the documentation."""
from __future__ import annotations

import re

BILINGUAL_NAME = re.compile(r"^(.*?[^\x00-\x7f][^A-Za-z]*?)\s+([A-Za-z0-9].*)$")
REQUIREMENT_IDS = re.compile(r"\s*\((?:R-[A-Z]+-\d+[^)]*)\)")


def name_in(locale: str | None, name: str | None) -> str:
    """The Chinese half for a zh reader (the default), the English half otherwise; a name not written
    in both languages as it is."""
    text = REQUIREMENT_IDS.sub("", name or "").strip()
    match = BILINGUAL_NAME.match(text)
    if match is None:
        return text
    return match.group(1).strip() if str(locale or "zh_CN").startswith("zh") else match.group(2).strip()
