"""The case card and history sentences as the API answers them: the read side's values, with each
sentence and value also worded in the caller's language (`text`)."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from engine.reads import CaseCard, HistoryLine, ShownValue

from ..case_history import sentence, value_text


def card_body(card: CaseCard) -> dict:
    body = asdict(card)
    body["sections"] = [{**asdict(section), "fields": [value_body(v) for v in section.fields]}
                        for section in card.sections]
    return body


def history_body(lines: list[HistoryLine]) -> list[dict]:
    return [{"at": line.at, "message": line.message, "params": {k: _plain(v) for k, v in line.params.items()},
             "actor": line.actor, "text": sentence(line), "changes": [value_body(v) for v in line.changes]}
            for line in lines]


def value_body(value: ShownValue) -> dict:
    return {"name": value.name, "label": value.label, "kind": value.kind, "value": _plain(value.value),
            "text": value_text(value), "items": list(value.items)}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
