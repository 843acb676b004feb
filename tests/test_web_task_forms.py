"""Task forms drawn from JSON Schema: every kind of field is drawn and what is typed read back in its type."""
from __future__ import annotations

import json
import re

import pytest

from .test_web_inbox import page_of

# --- every kind of field ---------------------------------------------------------------------------

VISIT_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs_visit"
                  targetNamespace="http://sqflow.test/visit">
  <bpmn:process id="site_visit" name="Site visit" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_dept" name="network_dept">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>visit</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="visit"/>
    <bpmn:userTask id="visit" name="Visit the site">
      <bpmn:documentation>Call the customer &lt;before&gt; you go.</bpmn:documentation>
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="visit.schema.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="visit" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""
VISIT_FORM = {
    "type": "object", "required": ["visits", "visit_at", "faults", "confirmed"],
    "properties": {
        "visits": {"type": "integer", "title": "Visits", "minimum": 1},
        "cost": {"type": "number", "title": "Cost"},
        "visit_on": {"type": "string", "format": "date", "title": "Visit day"},
        "visit_at": {"type": "string", "format": "date-time", "title": "Visit time"},
        "faults": {"type": "array", "title": "Faults", "items": {"enum": ["fibre", "modem", "wiring"]}, "minItems": 1},
        "notes": {"type": "string", "maxLength": 2000, "title": "Notes", "description": "What was done"},
        "severity": {"title": "Severity", "oneOf": [{"const": 1, "title": "Low"}, {"const": 3, "title": "High"}]},
        "followup": {"type": "boolean", "title": "Follow-up needed", "default": False},
        "confirmed": {"type": "boolean", "title": "Customer confirmed"},
    },
}


@pytest.fixture
def visit(web):
    from engine import SourceFile
    with web.sessions.begin() as session:
        web.engine.definitions.deploy(session, [
            SourceFile("visit.bpmn", VISIT_DIAGRAM.encode()),
            SourceFile("visit.schema.json", json.dumps(VISIT_FORM).encode())], "lin.designer")
    return web.start("site_visit", key="SV-1")


def test_each_kind_of_field_is_drawn_and_read_back_in_its_type(web, visit):
    task = visit.open_tasks[0]
    handler = web.client("li.wei")
    page = page_of(handler.get(f"/inbox/tasks/{task.id}"))
    assert "办理说明" in page and "Call the customer &lt;before&gt; you go." in page
    assert 'type="number" name="visits" value="" required step="1" min="1"' in page
    assert 'type="number" name="cost" value="" step="any"' in page
    assert 'type="date" name="visit_on"' in page and 'type="datetime-local" name="visit_at"' in page
    assert 'type="checkbox" name="faults" value="modem"' in page
    assert '<textarea id="field-notes" name="notes" maxlength="2000"' in page and "What was done" in page
    assert '<option value="3" >High</option>' in page
    assert 'name="followup" value="false" checked' in page  # the schema's default

    refused = handler.post(f"/inbox/tasks/{task.id}", data={"visits": "two", "cost": "12,5", "visit_at": "tomorrow"})
    assert refused.status_code == 422
    page = page_of(refused)
    for field, message in [("visits", "请输入整数"), ("cost", "请输入数字"), ("visit_at", "请输入日期和时间"),
                           ("faults", "请至少选择 1 项"), ("confirmed", "此项必填")]:
        assert re.search(rf'id="field-{field}-error"[^>]*>{message}', page), field
    assert 'name="visits" value="two"' in page and 'name="cost" value="12,5"' in page

    done = handler.post(f"/inbox/tasks/{task.id}", data={
        "visits": "2", "cost": "12.5", "visit_on": "2026-01-06", "visit_at": "2026-01-06T14:30",
        "faults": ["fibre", "wiring"], "notes": "<b>spliced</b>", "severity": "3", "followup": "true",
        "confirmed": "false"})
    assert done.status_code == 302 and done.location.endswith("/inbox/")
    with web.sessions.begin() as session:
        data = web.engine.instances.workflow_data(session, visit.id)
    assert {name: data[name] for name in VISIT_FORM["properties"]} == {
        "visits": 2, "cost": 12.5, "visit_on": "2026-01-06", "visit_at": "2026-01-06T14:30:00+08:00",
        "faults": ["fibre", "wiring"], "notes": "<b>spliced</b>", "severity": 3, "followup": True, "confirmed": False}
