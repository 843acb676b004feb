"""Appeals to the regulator's appeal centre: admissibility with the ground named, mediation recorded."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine import SourceFile
from processes.complaints.appeals import appeal_refusal, quarter_of

BPMN = Path(__file__).resolve().parents[1] / "bpmn" / "complaints"


@pytest.mark.parametrize("category, occurred, received, settled, mediated, ground", [
    ("billing", "2026-01-31", "2026-06-30", False, False, None),
    ("billing", "2026-01-31", "2026-07-01", False, False, "billing dispute older than 5 months"),
    ("other", "2024-03-01", "2026-03-01", False, False, None),
    ("other", "2024-03-01", "2026-03-02", False, False, "matter older than 2 years"),
    ("other", "2026-01-01", "2026-02-01", True, False, "the parties already settled and carried it out"),
    ("other", "2026-01-01", "2026-02-01", False, True, "the centre already mediated it with a written opinion"),
])
def test_R_APL_01_each_ground_for_refusing_an_appeal_is_named(category, occurred, received, settled, mediated,
                                                              ground):
    """R-APL-01."""
    assert appeal_refusal(category, occurred, received, settled, mediated) == ground


def test_R_APL_01_a_branch_may_use_other_limits():
    """R-APL-01: the numbers are defaults."""
    assert appeal_refusal("billing", "2026-01-31", "2026-07-01", False, False, billing_months=6) is None


def test_an_appeal_before_the_matter_is_an_input_error():
    with pytest.raises(ValueError, match="cannot come before"):
        appeal_refusal("other", "2026-02-01", "2026-01-01", False, False)


@pytest.mark.parametrize("day, quarter", [("2026-01-01", "2026Q1"), ("2026-06-30", "2026Q2"), (date(2026, 12, 31),
                                                                                             "2026Q4")])
def test_R_APL_02_appeals_are_counted_by_quarter(day, quarter):
    """R-APL-02."""
    assert quarter_of(day) == quarter


@pytest.fixture
def appeals(harness):
    names = ["regulator_appeal.bpmn", "forms/appeal_register.schema.json", "forms/appeal_mediate.schema.json"]
    with harness.sessions.begin() as session:
        harness.engine.definitions.deploy(session, [SourceFile(n, (BPMN / n).read_bytes()) for n in names], "d")

    def register(**changes):
        view = harness.start("regulator_appeal", key="SS-2026-0001")
        data = {"complaint_key": "TS-2026-0007", "category": "other", "occurred_on": "2026-01-01",
                "received_on": "2026-02-01", "settled": False, "mediated_before": False, **changes}
        return harness.complete(view, "appeal_register", data, by="centre")

    return register


def test_R_APL_01_an_inadmissible_appeal_is_closed_naming_its_ground(appeals, harness):
    """R-APL-01."""
    view = appeals(category="billing", occurred_on="2025-01-01")
    data = harness.data(view.id)
    assert view.state == "completed"
    assert (data["status"], data["refusal_ground"]) == ("refused", "billing dispute older than 5 months")


def test_R_APL_02_an_admissible_appeal_is_mediated_and_counted_in_its_quarter(appeals, harness):
    """R-APL-02."""
    view = appeals()
    assert [t.element_id for t in view.open_tasks] == ["appeal_mediate"]
    view = harness.complete(view, "appeal_mediate", {"mediation_outcome": "agreed", "opinion_issued": True,
                                                     "opinion": "退还多收费用 refund the overcharge"}, by="mediator")
    data = harness.data(view.id)
    assert (view.state, data["status"], data["quarter"]) == ("completed", "mediated", "2026Q1")
