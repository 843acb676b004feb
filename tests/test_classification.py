"""Complaint classification decision tables (bpmn/complaints/classification.dmn) run by SpiffWorkflow.

`classify_contact.bpmn` runs the four decisions in sequence and waits in `review`, so every test
reads the outputs from the instance data (on SQLite and PostgreSQL, cached and reloaded).

classification.dmn keeps the four tables in one document, as modelers save them; sqflow hands
them to SpiffWorkflow (which reads one decision per document) one by one.
"""
from __future__ import annotations

import re

import pytest
from lxml import etree

from engine import SourceFile
from engine.errors import DefinitionError
from tests.conftest import diagram_path

DMN = "complaints/classification.dmn"
BPMN = "classify_contact.bpmn"
LEVEL_1 = ["vip_customer", "public_media_exposure", "regulator_with_deadline", "important_group_channel",
           "group_customer_leaving", "from_leadership_or_important", "illegal_sms_or_security"]
LEVEL_2 = ["premium_brand", "sensitive_profession", "institution_quick_answer", "billing_dispute_risk"]
PROVINCIAL = ["hotline_10000", "business_hall", "web_hall", "app", "online_chat"]
GROUP = ["group_hotline", "group_web", "media", "weibo"]
ESCALATED = ["miit_appeal_centre", "group_hq", "regulator", "consumer_association"]
# A valid consultation on a provincial channel at level 3: each test changes only what it is about.
NEUTRAL = {
    "service_unusable": False, "self_service_lookup": False, "dissatisfied": False, "wants_solution": False,
    "channel": "hotline_10000",
    "anonymous": False, "is_customer_or_authorised": True, "specific_enough": True, "contact_complete": True,
    "within_services": True,
    **{name: False for name in LEVEL_1 + LEVEL_2},
}


def deploy(harness, dmn: bytes):
    files = [SourceFile(BPMN, diagram_path(BPMN).read_bytes()), SourceFile("classification.dmn", dmn)]
    with harness.sessions.begin() as session:
        return harness.engine.definitions.deploy(session, files, "designer")


@pytest.fixture
def classify(harness):
    deploy(harness, diagram_path(DMN).read_bytes())

    def run(**changes) -> dict:
        view = harness.start("classify_contact", {**NEUTRAL, **changes})
        assert view.state == "active", view.error_message
        assert [t.element_id for t in view.open_tasks] == ["review"]
        return harness.data(view.id)

    return run


def test_the_dmn_holds_the_four_decisions():
    """R-CMP-01, R-CMP-03, R-CMP-04, R-CMP-09, R-SLA-07: one table per decision, hit policy FIRST."""
    root = etree.parse(str(diagram_path(DMN))).getroot()
    decisions = root.findall("{*}decision")
    assert [d.get("id") for d in decisions] == ["contact_type", "channel_level", "validity", "network_level"]
    for decision in decisions:
        assert [t.get("hitPolicy") for t in decision.findall("{*}decisionTable")] == ["FIRST"]


def test_all_four_decisions_write_their_outputs(classify):
    """R-CMP-01, R-CMP-03, R-CMP-04, R-SLA-07: one run classifies type, channel, validity and level."""
    data = classify(dissatisfied=True, wants_solution=True, channel="weibo", premium_brand=True)
    assert {k: data[k] for k in ("contact_type", "channel_level", "valid", "invalid_reason", "network_level")} == {
        "contact_type": "complaint", "channel_level": "group", "valid": True, "invalid_reason": None,
        "network_level": 2}


@pytest.mark.parametrize("unusable, lookup, dissatisfied, wants, expected", [
    (True, False, False, False, "fault_report"),
    (True, False, True, True, "fault_report"),      # a non-working service is a fault report first
    (True, True, True, True, "fault_report"),
    (False, False, True, True, "complaint"),
    (False, True, True, True, "complaint"),         # complaint before inquiry
    (False, True, False, False, "inquiry"),
    (False, True, True, False, "inquiry"),
    (False, False, False, False, "consultation"),
    (False, False, True, False, "consultation"),    # dissatisfied, but not asking for a solution
    (False, False, False, True, "consultation"),
])
def test_contact_type(classify, unusable, lookup, dissatisfied, wants, expected):
    """R-CMP-01: fault report, complaint, inquiry, consultation - in that order of precedence."""
    data = classify(service_unusable=unusable, self_service_lookup=lookup, dissatisfied=dissatisfied,
                    wants_solution=wants)
    assert data["contact_type"] == expected


@pytest.mark.parametrize("channel", PROVINCIAL)
def test_provincial_channels(classify, channel):
    """R-CMP-03: 10000 hotline, business hall, web hall, app and online chat are provincial (省内渠道)."""
    assert classify(channel=channel)["channel_level"] == "provincial"


@pytest.mark.parametrize("channel", GROUP)
def test_group_channels(classify, channel):
    """R-CMP-03: group hotline, group web, media and Weibo are group channels (集团渠道)."""
    assert classify(channel=channel)["channel_level"] == "group"


@pytest.mark.parametrize("channel", ESCALATED)
def test_escalated_channels(classify, channel):
    """R-CMP-09: the MIIT appeal centre, group HQ, the regulator and the consumer association escalate."""
    assert classify(channel=channel)["channel_level"] == "escalated"


@pytest.mark.parametrize("channel", ["fax", "", "Weibo", "hotline"])
def test_unknown_channel(classify, channel):
    """R-CMP-03, R-CMP-09: any other channel (names are exact) is unknown."""
    assert classify(channel=channel)["channel_level"] == "unknown"


@pytest.mark.parametrize("changes, reason", [
    ({"anonymous": True}, "anonymous complainant"),
    ({"is_customer_or_authorised": False}, "not the customer or an authorised party"),
    ({"specific_enough": False}, "not specific enough to verify"),
    ({"contact_complete": False}, "contact details incomplete"),
    ({"within_services": False}, "outside the operator's services"),
])
def test_invalid_complaint_records_its_reason(classify, changes, reason):
    """R-CMP-04: each condition alone makes a complaint invalid (无效), with the reason recorded."""
    data = classify(dissatisfied=True, wants_solution=True, **changes)
    assert (data["valid"], data["invalid_reason"]) == (False, reason)


def test_first_failing_condition_is_the_reason(classify):
    """R-CMP-04: with several failing conditions the first one in the rule's order is recorded."""
    data = classify(is_customer_or_authorised=False, specific_enough=False, contact_complete=False,
                    within_services=False)
    assert (data["valid"], data["invalid_reason"]) == (False, "not the customer or an authorised party")
    data = classify(anonymous=True, is_customer_or_authorised=False, within_services=False)
    assert data["invalid_reason"] == "anonymous complainant"


def test_valid_complaint(classify):
    """R-CMP-04: otherwise the complaint is valid (有效) and has no reason."""
    data = classify(dissatisfied=True, wants_solution=True)
    assert (data["valid"], data["invalid_reason"]) == (True, None)


@pytest.mark.parametrize("circumstance", LEVEL_1)
def test_level_1_circumstance(classify, circumstance):
    """R-SLA-07: each level-1 (一级) circumstance alone makes level 1, also with every level-2 one."""
    assert classify(**{circumstance: True})["network_level"] == 1
    assert classify(**{circumstance: True}, **{name: True for name in LEVEL_2})["network_level"] == 1


@pytest.mark.parametrize("circumstance", LEVEL_2)
def test_level_2_circumstance(classify, circumstance):
    """R-SLA-07: each level-2 (二级) circumstance alone makes level 2."""
    assert classify(**{circumstance: True})["network_level"] == 2


def test_level_3_otherwise(classify):
    """R-SLA-07: no circumstance of level 1 or 2 -> level 3 (三级)."""
    assert classify()["network_level"] == 3


@pytest.mark.parametrize("missing, task", [
    ("channel", "decide_channel"), ("service_unusable", "decide_type"), ("within_services", "decide_validity"),
    ("billing_dispute_risk", "decide_level"),
])
def test_missing_input_stops_the_instance(harness, missing, task):
    """R-CMP-01, R-CMP-03, R-CMP-04, R-SLA-07: a contact lacking an input is never classified by default:
    the instance stops in error at that decision, naming the variable."""
    deploy(harness, diagram_path(DMN).read_bytes())
    data = {k: v for k, v in NEUTRAL.items() if k != missing}
    view = harness.start("classify_contact", data)
    assert view.state == "error"
    assert view.error_task == task
    # `channel` is evaluated alone (`? in [...]` cells); a boolean as `(name) == (True)`
    assert re.search(rf"^NameError: name '{missing}' is not defined in the decision table \w+ of business rule "
                     rf"task {task} \(evaluating [^)]*\b{missing}\b", view.error_message)
    assert view.open_tasks == []


def test_syntax_error_in_an_output_cell_is_refused_at_deploy(harness):
    """A Python syntax error in an output entry is refused at deploy, naming the file and the cell."""
    text = diagram_path(DMN).read_text(encoding="utf-8")
    broken = text.replace('<text>"provincial"</text>', '<text>"provincial</text>', 1)
    assert broken != text
    with pytest.raises(DefinitionError) as info:
        deploy(harness, broken.encode())
    [problem] = info.value.problems
    assert (problem.file, problem.element_id) == ("classification.dmn", "channel_level_r1_o1")


def test_four_decisions_in_one_document_deploy_together(harness):
    """Modelers save several decisions in one DMN file; all four deploy and run from it."""
    assert [o.process_id for o in harness.deploy(BPMN, DMN)] == ["classify_contact"]
    view = harness.start("classify_contact", {**NEUTRAL, "channel": "weibo", "premium_brand": True})
    data = harness.data(view.id)
    assert (data["channel_level"], data["network_level"], data["valid"]) == ("group", 2, True)


def test_an_operator_cell_needs_no_leading_space(harness):
    """`in [...]` written right after the column (SpiffWorkflow would glue it to the input name) works."""
    text = diagram_path(DMN).read_text(encoding="utf-8")
    plain = re.sub(r"<text>\?\s*in \[", "<text>in [", text)
    assert plain != text
    deploy(harness, plain.encode())
    view = harness.start("classify_contact", {**NEUTRAL, "channel": "media"})
    assert harness.data(view.id)["channel_level"] == "group"


def test_a_cell_that_breaks_the_sandbox_is_refused_at_deploy(harness):
    """Decision cells run in the script sandbox, so they are checked with it before anything runs."""
    text = diagram_path(DMN).read_text(encoding="utf-8")
    broken = text.replace('<text>"provincial"</text>', "<text>__import__('os').name</text>", 1)
    with pytest.raises(DefinitionError) as info:
        deploy(harness, broken.encode())
    [problem] = info.value.problems
    assert problem.element_id == "channel_level_r1_o1" and "__import__" in problem.message
