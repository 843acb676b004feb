"""The process designer: versions, uploads and downloads, the modeler's validate/deploy, form schemas."""
from __future__ import annotations

import dataclasses
import io
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from engine import SourceFile
from web.designer.layout import has_layout
from engine.errors import FormInvalid
from engine.persistence.tables import ProcessDefinition

from .conftest import PRODUCT_DIAGRAMS, diagram_path

FORMS = ("forms/sign_for.bpmn", "forms/sign_for.schema.json")
CONFIG = re.compile(r'<script type="application/json" id="designer-config">(.*?)</script>', re.S)


def post_json(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers={"Accept": "application/json"})


def versions(web, process_id: str) -> list[int]:
    with web.sessions.begin() as session:
        return [d.version for d in web.engine.definitions.versions(session, process_id)]


def definition_count(web) -> int:
    with web.sessions.begin() as session:
        return session.query(ProcessDefinition).count()


def modeler_config(client, process_id: str) -> dict:
    page = client.get(f"/designer/processes/{process_id}/edit")
    assert page.status_code == 200
    return json.loads(CONFIG.search(page.get_data(as_text=True)).group(1))


def upload(client, *files: tuple[str, bytes], process_id: str = ""):
    data = {"files": [(io.BytesIO(content), name) for name, content in files], "process_id": process_id}
    return client.post("/designer/upload", data=data, content_type="multipart/form-data")


def test_designer_pages_are_for_designers_only(web):
    web.deploy(*FORMS)
    handler = web.client("li.wei")
    for url in ("/designer/", "/designer/processes/new", "/designer/processes/signed_order/edit",
                "/designer/processes/signed_order/forms/sign_for.schema.json", "/designer/files/1"):
        assert handler.get(url).status_code == 403, url
    assert post_json(handler, "/designer/validate", {"xml": "<x/>"}).status_code == 403
    assert post_json(handler, "/designer/deploy", {"xml": "<x/>"}).status_code == 403
    assert web.client().get("/designer/").status_code == 302


def test_the_list_shows_every_version_with_its_files_and_instances(web):
    web.deploy(*FORMS)
    with web.sessions.begin() as session:
        relaxed = diagram_path(FORMS[1]).read_text().replace('"signed_by", "estimate_hours"', '"signed_by"')
        web.engine.definitions.deploy(session, [SourceFile("sign_for.bpmn", diagram_path(FORMS[0]).read_bytes()),
                                                SourceFile("sign_for.schema.json", relaxed.encode())], "wang.dev")
    web.start("signed_order")
    page = web.client("lin.designer").get("/designer/").get_data(as_text=True)
    assert "v1" in page and "v2" in page and "wang.dev" in page and "lin.designer" in page
    assert page.count("sign_for.schema.json") >= 3  # both versions' files and the form editor link
    assert "/designer/processes/signed_order/edit" in page and "/designer/processes/new" in page
    assert "共 1 个，1 个进行中" in page  # the new version's instance


def test_validate_lists_problems_by_element_and_deploys_nothing(web):
    client = web.client("lin.designer")
    xml = diagram_path("bad/script_import_os.bpmn").read_text()
    result = post_json(client, "/designer/validate", {"xml": xml}).get_json()
    assert result["valid"] is False
    assert [p["element_id"] for p in result["problems"]] == ["run_shell"]
    assert "import" in result["problems"][0]["message"]

    missing = diagram_path(FORMS[0]).read_text().replace('targetRef="end"', 'targetRef="nowhere"')
    result = post_json(client, "/designer/validate", {"xml": missing, "process_id": ""}).get_json()
    assert result["valid"] is False and result["problems"]
    deployed = post_json(client, "/designer/deploy", {"xml": xml})
    assert deployed.status_code == 422 and deployed.get_json()["problems"][0]["element_id"] == "run_shell"
    assert definition_count(web) == 0


def test_the_modeler_deploys_a_new_version_with_the_forms_and_says_when_nothing_changed(web):
    web.deploy(*FORMS)
    client = web.client("lin.designer")
    config = modeler_config(client, "signed_order")
    assert config["processId"] == "signed_order" and 'id="sign_for"' in config["xml"]
    assert config["layoutMissing"] is True  # the test diagram has no DI
    edited = config["xml"].replace('name="签收工单"', 'name="签收工单（新）"')
    assert post_json(client, "/designer/validate", {"xml": edited, "process_id": "signed_order"}).get_json()["valid"]
    first = post_json(client, "/designer/deploy", {"xml": edited, "process_id": "signed_order"}).get_json()
    assert [(d["version"], d["changed"]) for d in first["deployed"]] == [(2, True)]
    assert "版本 2" in first["deployed"][0]["message"]
    again = post_json(client, "/designer/deploy", {"xml": edited, "process_id": "signed_order"}).get_json()
    assert [(d["version"], d["changed"]) for d in again["deployed"]] == [(2, False)]
    assert "没有新版本" in again["deployed"][0]["message"]
    assert versions(web, "signed_order") == [2, 1]
    with web.sessions.begin() as session:
        newest = web.engine.definitions.latest(session, "signed_order")
        assert newest.forms["sign_for"]["required"] == ["signed_by", "estimate_hours"]
        assert newest.user_tasks[0]["name"] == "签收工单（新）"


def test_a_new_diagram_is_deployed_as_version_one(web):
    client = web.client("lin.designer")
    page = client.get("/designer/processes/new")
    config = json.loads(CONFIG.search(page.get_data(as_text=True)).group(1))
    assert config["processId"] == "" and not config["layoutMissing"]
    xml = diagram_path("bad/script_import_os.bpmn").read_text().replace("import os\nos.system('id')", "x = 1")
    result = post_json(client, "/designer/deploy", {"xml": xml}).get_json()
    assert [(d["process_id"], d["version"]) for d in result["deployed"]] == [("script_import_os", 1)]
    with web.sessions.begin() as session:
        definition = web.engine.definitions.latest(session, "script_import_os")
        assert [f.name for f in web.engine.definitions.files_of(session, definition)] == ["script_import_os.bpmn"]


def test_a_running_instance_stays_on_its_version_and_completes_after_a_deploy(web):
    web.deploy(*FORMS)
    view = web.start("signed_order")
    client = web.client("lin.designer")
    edited = modeler_config(client, "signed_order")["xml"].replace('name="签收工单"', 'name="签收"')
    assert post_json(client, "/designer/deploy", {"xml": edited, "process_id": "signed_order"}).get_json()[
        "deployed"][0]["version"] == 2
    task = view.open_tasks[0]
    with web.sessions.begin() as session:
        done = web.engine.instances.complete_task(session, task.id, by="li.wei",
                                                  data={"signed_by": "li", "estimate_hours": 2})
    assert done.state == "completed" and done.version == 1


@pytest.mark.parametrize("name, content, message", [
    ("notes.txt", b"hello", "只能上传"),
    ("empty.bpmn", b"  \n", "文件为空"),
    ("latin.bpmn", "<?xml version='1.0' encoding='latin-1'?><a>é</a>".encode("latin-1"), "不是 UTF-8"),
    ("broken.bpmn", diagram_path("bad/malformed.bpmn").read_bytes(), "malformed XML"),
    ("xxe.bpmn", diagram_path("bad/xxe.bpmn").read_bytes(), "DOCTYPE"),
    ("form.schema.json", b'{"type": "object",', "not JSON"),
])
def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_is_deployed(web, name, content, message):
    response = upload(web.client("lin.designer"), (name, content))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "没有部署任何内容" in page
    assert definition_count(web) == 0


def test_an_oversized_upload_is_refused(web):
    web.app.config["SQFLOW_SETTINGS"] = dataclasses.replace(web.settings, max_diagram_bytes=1000)
    response = upload(web.client("lin.designer"), ("big.bpmn", diagram_path(FORMS[0]).read_bytes() + b" " * 1000))
    assert response.status_code == 422 and "超过上限" in response.get_data(as_text=True)
    assert definition_count(web) == 0


def test_an_upload_deploys_and_each_file_downloads_as_stored(web):
    client = web.client("lin.designer")
    files = [(Path(n).name, diagram_path(n).read_bytes()) for n in FORMS]
    response = upload(client, *files)
    assert response.status_code == 302
    assert "版本 1" in client.get("/designer/").get_data(as_text=True)
    with web.sessions.begin() as session:
        stored = web.engine.definitions.files_of(session, web.engine.definitions.latest(session, "signed_order"))
        ids = {f.name: f.id for f in stored}
    for name, content in files:
        download = client.get(f"/designer/files/{ids[name]}")
        assert download.status_code == 200 and download.data == content
        assert "attachment" in download.headers["Content-Disposition"]
    assert client.get("/designer/files/999999").status_code == 404
    again = upload(client, *files)
    assert again.status_code == 302 and "没有新版本" in client.get("/designer/").get_data(as_text=True)


def test_a_form_uploaded_alone_is_deployed_with_the_chosen_process(web):
    web.deploy(*FORMS)
    relaxed = diagram_path(FORMS[1]).read_bytes().replace(b'"signed_by", "estimate_hours"', b'"signed_by"')
    response = upload(web.client("lin.designer"), ("sign_for.schema.json", relaxed), process_id="signed_order")
    assert response.status_code == 302
    with web.sessions.begin() as session:
        assert web.engine.definitions.latest(session, "signed_order").forms["sign_for"]["required"] == ["signed_by"]


def test_the_form_editor_refuses_bad_json_keeping_the_text_and_deploys_a_good_schema(web):
    web.deploy(*FORMS)
    client = web.client("lin.designer")
    url = "/designer/processes/signed_order/forms/sign_for.schema.json"
    page = client.get(url).get_data(as_text=True)
    assert "签收工单" in page and "estimate_hours" in page
    broken = '{\n  "type": "object",\n  "required": ["a" "b"]\n}'
    response = client.post(url, data={"schema": broken})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "第 3 行，第 20 列" in text and "&#34;required&#34;: [&#34;a&#34; &#34;b&#34;]" in text
    not_schema = client.post(url, data={"schema": '{"type": "objekt"}'})
    assert not_schema.status_code == 422 and "not a valid JSON Schema" in not_schema.get_data(as_text=True)
    assert versions(web, "signed_order") == [1]

    schema = json.loads(diagram_path(FORMS[1]).read_text())
    schema["required"].append("contact")
    response = client.post(url, data={"schema": json.dumps(schema, ensure_ascii=False, indent=2)})
    assert response.status_code == 302
    assert "版本 2" in client.get(url).get_data(as_text=True)
    view = web.start("signed_order")
    assert view.version == 2
    with pytest.raises(FormInvalid) as refused:
        with web.sessions.begin() as session:
            web.engine.instances.complete_task(session, view.open_tasks[0].id, by="li.wei",
                                               data={"signed_by": "li", "estimate_hours": 2})
    assert refused.value.fields == {"contact": "is required"}
    assert client.get("/designer/processes/signed_order/forms/other.schema.json").status_code == 404


def test_names_from_diagrams_are_escaped_in_pages(web):
    evil = diagram_path(FORMS[0]).read_text().replace(
        'id="signed_order"', 'id="signed_order" name="&lt;script&gt;alert(1)&lt;/script&gt;"')
    evil = evil.replace('name="签收工单"', 'name="&lt;img src=x onerror=alert(2)&gt;"')
    form = diagram_path(FORMS[1]).read_bytes()
    with web.sessions.begin() as session:
        web.engine.definitions.deploy(session, [SourceFile("sign_for.bpmn", evil.encode()),
                                                SourceFile("sign_for.schema.json", form)], "lin.designer")
    client = web.client("lin.designer")
    for url in ("/designer/", "/designer/processes/signed_order/edit",
                "/designer/processes/signed_order/forms/sign_for.schema.json"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, url
    assert "&lt;script&gt;alert(1)" in client.get("/designer/").get_data(as_text=True)


def test_a_diagram_without_layout_gets_one_that_still_deploys(web):
    client = web.client("lin.designer")
    xml = diagram_path("timer_boundary.bpmn").read_text()
    assert not has_layout(xml)
    result = post_json(client, "/designer/layout", {"xml": xml}).get_json()
    assert has_layout(result["xml"])
    assert post_json(client, "/designer/validate", {"xml": result["xml"]}).get_json()["valid"]
    refused = post_json(client, "/designer/layout", {"xml": diagram_path("bad/xxe.bpmn").read_text()})
    assert refused.status_code == 422 and "DOCTYPE" in refused.get_json()["problems"][0]["message"]


@pytest.mark.parametrize("name", ["work_order.bpmn", "complaints/complaint.bpmn", "complaints/regulator_appeal.bpmn"])
def test_product_diagrams_carry_a_shape_for_every_flow_node(name):
    tree = etree.parse(str(PRODUCT_DIAGRAMS / name))
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
    drawn = set(tree.xpath("//bpmndi:BPMNShape/@bpmnElement | //bpmndi:BPMNEdge/@bpmnElement", namespaces=ns))
    elements = tree.xpath("//bpmn:process//*[@id][bpmn:incoming or bpmn:outgoing or self::bpmn:sequenceFlow]",
                          namespaces=ns)
    assert elements and {e.get("id") for e in elements} <= drawn
