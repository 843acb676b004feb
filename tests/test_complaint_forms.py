"""The complaint process's user-task forms (bpmn/complaints/forms/*.schema.json), checked without a database.

Each user task of the complaint (bpmn/complaints/complaint.bpmn and the processes it calls,
complaint_*.bpmn) names its form; the engine refuses task data that
breaks the form (`engine.definitions.forms.check_form_data`), naming every offending field. These
tests prove the forms encode the rules in shared/DOMAIN.md that a form can enforce.
`GOOD_INTAKE` is a complete, valid intake that scenario tests may import and vary.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from jsonschema.validators import validator_for
from lxml import etree

from engine import SourceFile
from engine.definitions.forms import check_form_data
from engine.definitions.parsing import parse_files
from engine.errors import FormInvalid

COMPLAINTS = Path(__file__).parents[1] / "bpmn" / "complaints"
FORMS = COMPLAINTS / "forms"
DIAGRAMS = sorted(COMPLAINTS.glob("complaint*.bpmn"))  # the complaint and its intake, work order and closing
DECISIONS = COMPLAINTS / "classification.dmn"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"

TASKS = (
    "intake", "answer_inquiry", "explain", "on_the_spot", "customer_signs", "verify_by_phone",
    "duty_desk_accept", "pre_handling_plan", "dispatch", "sign_for", "field_test", "reply",
    "review_branch_report", "callback", "answer_supervisor", "tell_progress", "chase_sign_for",
    "review_reply", "cs_manager_review",
)
OUTSIDE_BODIES = ("miit_appeal_centre", "group_hq", "regulator", "consumer_association")

GOOD_INTAKE: dict = {
    "channel": "hotline_10000",
    "customer_name": "张三",
    "customer_phone": "13800138000",
    "received_by": "zhang.min",
    "category": "network",
    "description": "家中手机信号很差，经常掉话",
    "urgency": "一般",
    "source": "customer",
    "key_customer": False,
    "major": False,
    "over_head_tendency": False,
    # R-CMP-01: dissatisfied and wants it solved -> a complaint
    "service_unusable": False,
    "self_service_lookup": False,
    "dissatisfied": True,
    "wants_solution": True,
    # R-CMP-04: valid
    "anonymous": False,
    "is_customer_or_authorised": True,
    "specific_enough": True,
    "contact_complete": True,
    "within_services": True,
    # R-SLA-07: level 3
    "vip_customer": False,
    "public_media_exposure": False,
    "regulator_with_deadline": False,
    "important_group_channel": False,
    "group_customer_leaving": False,
    "from_leadership_or_important": False,
    "illegal_sms_or_security": False,
    "premium_brand": False,
    "sensitive_profession": False,
    "institution_quick_answer": False,
    "billing_dispute_risk": False,
}
INTAKE_BOOLEANS = tuple(name for name, value in GOOD_INTAKE.items() if isinstance(value, bool))


def load_form(task: str) -> dict:
    return json.loads((FORMS / f"{task}.schema.json").read_text(encoding="utf-8"))


def refusal(task: str, data: dict) -> dict[str, str]:
    """The fields the task's form refuses in `data` ({} when it is accepted)."""
    try:
        check_form_data(task, load_form(task), data)
    except FormInvalid as refused:
        return refused.fields
    return {}


def intake(**changes) -> dict:
    data = dict(GOOD_INTAKE, **changes)
    return {k: v for k, v in data.items() if v is not None}


def _user_task_forms() -> dict[str, str | None]:
    found = {}
    for diagram in DIAGRAMS:
        for task in etree.parse(str(diagram)).iter(f"{{{BPMN}}}userTask"):
            props = task.findall(f".//{{{SPIFF}}}property[@name='formJsonSchemaFilename']")
            assert task.get("id") not in found, task.get("id")
            found[task.get("id")] = props[0].get("value") if props else None
    return found


# --- the forms as files -------------------------------------------------------------------------

def test_every_form_exists_and_is_a_valid_draft_2020_12_object_schema():
    present = {p.name for p in FORMS.glob("*.schema.json")}  # other diagrams' forms may share the folder
    assert {f"{t}.schema.json" for t in TASKS} <= present
    for task in TASKS:
        schema = load_form(task)
        validator_for(schema).check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", task
        assert schema["type"] == "object", task
        assert "additionalProperties" not in schema, task  # later steps add data
        assert set(schema["required"]) <= set(schema["properties"]), task


def test_every_title_is_chinese_then_english():
    def bilingual(title: str) -> bool:
        return any("\u4e00" <= ch <= "\u9fff" for ch in title) and any(ch.isascii() and ch.isalpha() for ch in title)

    for task in TASKS:
        schema = load_form(task)
        assert bilingual(schema["title"]), task
        for name, prop in schema["properties"].items():
            assert bilingual(prop.get("title", "")), f"{task}.{name}"


def test_every_user_task_of_the_diagram_names_its_existing_form():
    forms = _user_task_forms()
    assert sorted(forms) == sorted(TASKS)
    for task_id, form in forms.items():
        assert form == f"{task_id}.schema.json", task_id
        assert (FORMS / form).is_file(), form


def test_the_diagrams_with_their_forms_and_decisions_deploy():
    files = [SourceFile(d.name, d.read_bytes()) for d in [*DIAGRAMS, DECISIONS]]
    files += [SourceFile(f"{t}.schema.json", (FORMS / f"{t}.schema.json").read_bytes()) for t in TASKS]
    parsed = {p.process_id: p for p in parse_files(files, 10_000_000)}
    assert sorted(parsed["complaint"].calls) == ["complaint_closing", "complaint_intake", "complaint_work_order"]
    assert sorted(element for p in parsed.values() for element in p.forms) == sorted(TASKS)
    assert parsed["complaint_intake"].forms["intake"] == load_form("intake")


def test_every_name_the_diagram_reads_is_produced_by_a_form_a_decision_or_a_script():
    """Names read by conditions, scripts and lanes come from a form, a decision, a script or a domain helper."""
    trees = [etree.parse(str(diagram)) for diagram in DIAGRAMS]
    read, written = set(), set()

    def visit(source: str, mode: str):
        for node in ast.walk(ast.parse(source, mode=mode)):
            if isinstance(node, ast.Name):
                (written if isinstance(node.ctx, ast.Store) else read).add(node.id)

    for tree in trees:
        for script in tree.iter(f"{{{BPMN}}}script"):
            visit(script.text or "", "exec")
        for condition in tree.iter(f"{{{BPMN}}}conditionExpression"):
            visit(condition.text or "", "eval")
        for lane in tree.iter(f"{{{BPMN}}}lane"):
            if lane.get("name", "").startswith("="):
                visit(lane.get("name")[1:], "eval")
    produced = set(written)
    for task in TASKS:
        produced |= set(load_form(task)["properties"])
    dmn = etree.parse(str(DECISIONS))
    produced |= {o.get("name") for o in dmn.iter(f"{{{DMN}}}output")}
    from processes import diagram_helpers
    engine_helpers = {"branch_settings"}  # the branch's numbers (engine/branch_settings.py)
    assert read - produced - set(diagram_helpers()) - engine_helpers - {"str", "True", "False", "None"} == set()
    decision_inputs = {t.text.strip() for t in dmn.iter(f"{{{DMN}}}text")
                       if t.getparent().tag == f"{{{DMN}}}inputExpression"}
    assert decision_inputs <= set(load_form("intake")["required"])


# --- intake ---------------------------------------------------------------------------------------

def test_a_complete_intake_is_accepted():
    assert refusal("intake", GOOD_INTAKE) == {}


def test_an_empty_intake_names_every_required_field():
    assert set(refusal("intake", {})) == set(load_form("intake")["required"])


@pytest.mark.parametrize("field, value", [
    ("channel", "fax"), ("category", "weather"), ("urgency", "urgent"), ("source", "neighbour"),
])
def test_R_CMP_03_a_value_outside_its_list_is_refused(field, value):
    """R-CMP-03: only known channels (and categories, urgencies, sources) are accepted."""
    fields = refusal("intake", intake(**{field: value}))
    assert list(fields) == [field] and "is not one of" in fields[field]


@pytest.mark.parametrize("phone", ["12345", "12800138000", "1380013800", "138001380001", "010-123", "phone"])
def test_a_bad_phone_number_is_refused(phone):
    fields = refusal("intake", intake(customer_phone=phone))
    assert list(fields) == ["customer_phone"] and "does not match" in fields["customer_phone"]


@pytest.mark.parametrize("phone", ["13800138000", "19912345678", "010-12345678", "0755-1234567", "02112345678"])
def test_mobile_and_fixed_line_numbers_are_accepted(phone):
    assert refusal("intake", intake(customer_phone=phone)) == {}


@pytest.mark.parametrize("field", INTAKE_BOOLEANS)
def test_a_missing_decision_input_is_refused(field):
    assert refusal("intake", intake(**{field: None})) == {field: "is required"}


def test_a_decision_input_must_be_a_boolean():
    assert list(refusal("intake", intake(anonymous="no"))) == ["anonymous"]


def test_R_CMP_01_a_too_short_description_is_refused():
    """R-CMP-01: the contact is described (at least 5 characters) so it can be classified."""
    assert list(refusal("intake", intake(description="差"))) == ["description"]


def test_R_SUP_06_a_supervisor_finding_names_the_supervisor():
    """R-SUP-06: a complaint with the supervisor as source needs supervisor_id."""
    assert refusal("intake", intake(source="supervisor")) == {"supervisor_id": "is required"}
    assert refusal("intake", intake(source="supervisor", supervisor_id="SUP-0042")) == {}


@pytest.mark.parametrize("channel", OUTSIDE_BODIES)
def test_R_CMP_09_an_escalated_complaint_carries_the_sources_deadline(channel):
    """R-CMP-09: a complaint from an outside body needs source_deadline."""
    assert refusal("intake", intake(channel=channel, source=channel)) == {"source_deadline": "is required"}
    assert refusal("intake", intake(channel=channel, source=channel,
                                    source_deadline="2024-05-10T18:00:00+08:00")) == {}


def test_R_CMP_09_the_sources_deadline_must_be_a_date_and_time():
    """R-CMP-09: source_deadline is an ISO 8601 date-time, not free text."""
    data = intake(channel="regulator", source="regulator", source_deadline="next Friday")
    assert list(refusal("intake", data)) == ["source_deadline"]


def test_R_CMP_09_provincial_and_group_channels_need_no_source_deadline():
    """R-CMP-09: only the four outside bodies are escalated."""
    for channel in ("hotline_10000", "business_hall", "web_hall", "app", "online_chat",
                    "group_hotline", "group_web", "media", "weibo"):
        assert refusal("intake", intake(channel=channel)) == {}, channel


def test_R_CMP_07_a_repeat_of_a_closed_complaint_states_the_reason():
    """R-CMP-07: a new ticket linked to a closed one needs the reason for dissatisfaction."""
    assert refusal("intake", intake(repeat_of="CMP-2024-0001")) == {"repeat_reason": "is required"}
    assert list(refusal("intake", intake(repeat_of="CMP-2024-0001", repeat_reason="差"))) == ["repeat_reason"]
    assert refusal("intake", intake(repeat_of="CMP-2024-0001", repeat_reason="上次处理后信号仍然很差")) == {}


def test_R_CMP_08_a_complaint_may_be_marked_as_part_of_a_batch():
    """R-CMP-08: batch_id marks tickets of one batch."""
    assert refusal("intake", intake(batch_id="BATCH-2024-05-01")) == {}
    assert list(refusal("intake", intake(batch_id=""))) == ["batch_id"]


def test_several_broken_rules_are_all_named_at_once():
    data = intake(source="supervisor", channel="group_hq", repeat_of="CMP-1", customer_phone="1")
    assert set(refusal("intake", data)) == {"supervisor_id", "source_deadline", "repeat_reason", "customer_phone"}


# --- the other tasks ------------------------------------------------------------------------------

def test_R_FR_02_a_resolution_on_the_spot_is_recorded():
    """R-FR-02: resolved on the spot needs the resolution; unresolved needs none."""
    assert refusal("on_the_spot", {"resolved": True}) == {"resolution": "is required"}
    assert refusal("on_the_spot", {"resolved": True, "resolution": "已重置套餐"}) == {}
    assert refusal("on_the_spot", {"resolved": False}) == {}
    assert refusal("on_the_spot", {}) == {"resolved": "is required"}


def test_R_FR_02_an_explanation_records_whether_it_was_accepted():
    """R-FR-02: the explanation and whether the customer accepted it are both required."""
    assert refusal("explain", {"explanation": "套餐资费说明"}) == {"accepted": "is required"}
    assert refusal("explain", {"explanation": "套餐资费说明", "accepted": False}) == {}


def test_R_FR_04_a_walk_in_record_is_signed_by_the_customer():
    """R-FR-04: the business-hall record carries the customer's signature."""
    assert refusal("customer_signs", {}) == {"customer_signature": "is required"}
    assert list(refusal("customer_signs", {"customer_signature": ""})) == ["customer_signature"]
    assert refusal("customer_signs", {"customer_signature": "张三"}) == {}


def test_R_FR_04_phone_verification_records_whether_the_customer_confirmed():
    """R-FR-04: the answer is required either way; one not confirmed is closed by the process."""
    assert refusal("verify_by_phone", {"verified": False}) == {}
    assert refusal("verify_by_phone", {}) == {"verified": "is required"}
    assert list(refusal("verify_by_phone", {"verified": "yes"})) == ["verified"]
    assert refusal("verify_by_phone", {"verified": True, "verification_note": "客户已确认"}) == {}


def test_R_CMP_09_the_duty_desk_records_source_and_deadline():
    """R-CMP-09: the duty desk accepts with the source's reference and deadline."""
    assert set(refusal("duty_desk_accept", {})) == {"duty_officer", "source_reference", "source_deadline"}
    good = {"duty_officer": "wang", "source_reference": "GXB-2024-77", "source_deadline": "2024-05-10T18:00:00+08:00"}
    assert refusal("duty_desk_accept", good) == {}
    assert list(refusal("duty_desk_accept", dict(good, source_deadline="soon"))) == ["source_deadline"]


def test_R_CMP_09_the_branch_report_review_is_recorded():
    """R-CMP-09: the duty desk records whether the branch's report is approved."""
    assert refusal("review_branch_report", {}) == {"report_approved": "is required"}
    assert refusal("review_branch_report", {"report_approved": True}) == {}


def test_R_CMP_05_a_major_complaint_has_a_plan_and_a_script():
    """R-CMP-05: the pre-handling plan and the response script are both required."""
    assert set(refusal("pre_handling_plan", {})) == {"plan", "response_script"}
    assert list(refusal("pre_handling_plan", {"plan": "先抢修基站", "response_script": "好"})) == ["response_script"]
    assert refusal("pre_handling_plan", {"plan": "先抢修基站", "response_script": "已安排工程师上门"}) == {}


def test_R_FR_03_a_work_order_goes_to_a_known_department():
    """R-FR-03: dispatch names the handling department from the known list."""
    assert refusal("dispatch", {}) == {"department": "is required"}
    assert list(refusal("dispatch", {"department": "marketing"})) == ["department"]
    for department in ("network_dept", "wireless_dept", "billing_dept", "service_dept", "maintenance_vendor"):
        assert refusal("dispatch", {"department": department}) == {}


def test_R_SLA_03_sign_for_names_who_signed():
    """R-SLA-03: the sign-for records who signed for the work order."""
    assert refusal("sign_for", {}) == {"signed_by": "is required"}
    assert refusal("sign_for", {"signed_by": "zhao"}) == {}


def test_R_SLA_06_a_fault_needs_field_test_and_traffic_analysis():
    """R-SLA-06: both the field test data and the traffic analysis are required."""
    assert set(refusal("field_test", {})) == {"test_result", "traffic_analysis"}
    assert refusal("field_test", {"test_result": "RSRP -115", "traffic_analysis": "上月掉话率 3%"}) == {}


def test_R_SLA_01_the_final_reply_answers_the_customer():
    """R-SLA-01: the reply carries an answer of at least 5 characters."""
    assert refusal("reply", {}) == {"answer": "is required"}
    assert list(refusal("reply", {"answer": "好"})) == ["answer"]
    assert refusal("reply", {"answer": "已扩容基站，信号恢复", "cause": "基站过载", "measures": "扩容"}) == {}


def test_R_CLS_01_a_reached_customer_states_satisfaction():
    """R-CLS-01: reached needs satisfied; an unreached customer needs nothing more."""
    assert refusal("callback", {}) == {"reached": "is required"}
    assert refusal("callback", {"reached": True}) == {"satisfied": "is required"}
    assert refusal("callback", {"reached": True, "satisfied": True}) == {}
    assert refusal("callback", {"reached": False}) == {}


def test_R_CMP_07_a_dissatisfied_customer_gives_the_reason():
    """R-CMP-07: reached and not satisfied needs dissatisfaction_reason (at least 5 characters)."""
    assert refusal("callback", {"reached": True, "satisfied": False}) == {"dissatisfaction_reason": "is required"}
    assert list(refusal("callback", {"reached": True, "satisfied": False,
                                     "dissatisfaction_reason": "差"})) == ["dissatisfaction_reason"]
    assert refusal("callback", {"reached": True, "satisfied": False,
                                "dissatisfaction_reason": "信号仍然不好，未解决"}) == {}


def test_R_SUP_06_the_supervisor_is_answered():
    """R-SUP-06: the answer to the supervisor is required."""
    assert refusal("answer_supervisor", {}) == {"supervisor_answer": "is required"}
    assert refusal("answer_supervisor", {"supervisor_answer": "已整改"}) == {}


def test_R_CMP_06_the_customer_who_calls_again_is_told_the_progress():
    """R-CMP-06: what the customer was told is recorded."""
    assert refusal("tell_progress", {}) == {"progress_told": "is required"}
    assert refusal("tell_progress", {"progress_told": "工程师明天上门"}) == {}


@pytest.mark.parametrize("task", ["chase_sign_for", "review_reply", "cs_manager_review"])
def test_R_SLA_09_every_escalation_records_the_action_taken(task):
    """R-SLA-09: the team lead, department head and customer service manager record their action."""
    assert refusal(task, {}) == {"action": "is required"}
    assert list(refusal(task, {"action": ""})) == ["action"]
    assert refusal(task, {"action": "已电话督促处理部门"}) == {}


def test_answer_inquiry_needs_the_answer():
    assert refusal("answer_inquiry", {}) == {"answer": "is required"}
    assert refusal("answer_inquiry", {"answer": "本月话费 58 元"}) == {}


def test_R_CMP_09_a_source_outside_body_also_requires_the_deadline():
    """R-CMP-09: escalation is decided by the channel or by the source."""
    assert refusal("intake", dict(GOOD_INTAKE, source="regulator")) == {"source_deadline": "is required"}
