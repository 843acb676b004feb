"""User-task forms (JSON Schema) deploy with the diagram and guard completion on the server."""
from __future__ import annotations

import pytest

from engine.errors import DefinitionError, FormInvalid
from engine.runtime import queries
from tests.conftest import diagram_path

ORDER = ("forms/sign_for.bpmn", "forms/sign_for.schema.json")


@pytest.mark.parametrize("data, fields", [
    ({}, {"signed_by": "is required", "estimate_hours": "is required"}),
    ({"signed_by": "li", "estimate_hours": "two"}, {"estimate_hours": "'two' is not of type 'number'"}),
    ({"signed_by": "li", "estimate_hours": 2, "contact": {"phone": "12"}},
     {"contact.phone": "'12' does not match '^1[0-9]{10}$'"}),
])
def test_bad_form_data_is_refused_by_field_and_the_task_stays_open(harness, data, fields):
    harness.deploy(*ORDER)
    view = harness.start("signed_order")
    with pytest.raises(FormInvalid) as refused:
        harness.complete(view, "sign_for", data)
    assert refused.value.fields == fields
    with harness.sessions.begin() as session:
        assert [t.element_id for t in queries.list_tasks(session, instance_id=view.id)] == ["sign_for"]
    assert "task.completed" not in [e.event for e in harness.history(view.id)]


def test_good_form_data_completes_the_task(harness):
    harness.deploy(*ORDER)
    view = harness.start("signed_order")
    done = harness.complete(view, "sign_for", {"signed_by": "li", "estimate_hours": 1.5,
                                               "contact": {"phone": "13800138000"}})
    assert done.state == "completed" and harness.data(view.id)["estimate_hours"] == 1.5


def test_a_diagram_whose_form_is_missing_is_refused_naming_task_and_file(harness):
    with pytest.raises(DefinitionError, match="'sign_for.schema.json' is not among the files") as refused:
        harness.deploy("forms/sign_for.bpmn")
    assert refused.value.problems[0].element_id == "sign_for"


def test_a_form_that_is_not_json_schema_is_refused(harness):
    broken = diagram_path("forms/sign_for.schema.json").read_text().replace('"type": "number"', '"type": "numbre"')
    from engine import SourceFile
    with pytest.raises(DefinitionError, match="not a valid JSON Schema") as refused:
        with harness.sessions.begin() as session:
            harness.engine.definitions.deploy(session, [
                SourceFile("sign_for.bpmn", diagram_path("forms/sign_for.bpmn").read_bytes()),
                SourceFile("sign_for.schema.json", broken.encode())], "designer")
    assert refused.value.problems[0].file == "sign_for.schema.json"


def test_changing_only_the_form_makes_a_new_version(harness):
    from engine import SourceFile
    assert [o.version for o in harness.deploy(*ORDER)] == [1]
    relaxed = diagram_path("forms/sign_for.schema.json").read_text().replace('"required": ["signed_by", "estimate_hours"]',
                                                                             '"required": ["signed_by"]')
    with harness.sessions.begin() as session:
        outcome = harness.engine.definitions.deploy(session, [
            SourceFile("sign_for.bpmn", diagram_path("forms/sign_for.bpmn").read_bytes()),
            SourceFile("sign_for.schema.json", relaxed.encode())], "designer")
    assert [(o.version, o.changed) for o in outcome] == [(2, True)]
    view = harness.start("signed_order")
    assert harness.complete(view, "sign_for", {"signed_by": "li"}).state == "completed"


def test_the_command_line_names_the_bad_fields(tmp_path, monkeypatch, capsys):
    from cli.main import main
    monkeypatch.setenv("SQFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'forms.db'}")
    assert main(["deploy", str(diagram_path("forms"))]) == 0
    capsys.readouterr()
    assert main(["--json", "start", "signed_order", "--as", "zhang"]) == 0
    import json
    task_id = json.loads(capsys.readouterr().out)["open_tasks"][0]["id"]
    assert main(["complete", task_id, "--as", "li", "--data", '{"signed_by": "li"}']) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "estimate_hours: is required" in error
