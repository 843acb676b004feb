"""A form schema is self-contained: a `$ref` to a URL or a file is refused at deployment, and a form
stored with one anyway (by an older version) is checked without fetching or reading anything."""
from __future__ import annotations

import http.server
import io
import json
import threading

import pytest
from sqlalchemy import update

from engine.persistence.tables import ProcessDefinition
from tests.test_api_work import CASE, FORM, SIGNED, Api

SECRET = "SECRET-VALUE-7f3a"


@pytest.fixture
def listener():
    """A loopback HTTP server that records every request it gets and answers a schema."""
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = json.dumps({"enum": [SECRET]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/schema+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


def form_referring_to(target: str) -> dict:
    schema = json.loads(FORM)
    schema["properties"]["signed_by"] = {"$ref": target}
    return schema


def deploy(web, schema: dict):
    return Api(web, "lin.designer").call("POST", "/definitions", data={"files": [
        (io.BytesIO(CASE), "api_case.bpmn"), (io.BytesIO(json.dumps(schema).encode()), "sign_for.schema.json")]},
        content_type="multipart/form-data")


@pytest.mark.parametrize("target", ["{server}/x.json", "file:///etc/hostname", "sign_for_parts.schema.json#/a"])
def test_a_form_referring_outside_itself_is_refused_at_deployment_naming_file_and_place(web, listener, target):
    server, requests = listener
    answer = deploy(web, form_referring_to(target.format(server=server)))
    assert answer.status_code == 422
    said = answer.get_json()["details"]["sign_for.schema.json"]
    assert "/properties/signed_by" in said and "outside the form schema" in said
    assert requests == []
    assert Api(web, "lin.designer").get("/definitions").get_json()["total"] == 0


def test_references_inside_the_form_deploy_and_check_the_data(web):
    schema = json.loads(FORM)
    schema["$defs"] = {"login": {"type": "string", "minLength": 2}}
    schema["properties"]["signed_by"] = {"$ref": "#/$defs/login"}
    assert deploy(web, schema).status_code == 201
    case = Api(web, "zhang.min").start("idem-inside", {"process_id": "api_case", "business_key": "IN-1"}).get_json()
    handler = Api(web, "li.wei")
    refused = handler.post(f"/tasks/{case['open_tasks'][0]['id']}/complete",
                           {"data": {"signed_by": "l", "estimate_hours": 1}})
    assert refused.status_code == 422 and "signed_by" in refused.get_json()["details"]
    assert handler.post(f"/tasks/{case['open_tasks'][0]['id']}/complete", {"data": SIGNED}).status_code == 200
    dangling = json.loads(FORM)
    dangling["properties"]["signed_by"] = {"$ref": "#/$defs/nobody"}
    answer = deploy(web, dangling)
    assert answer.status_code == 422 and "leads nowhere" in answer.get_json()["details"]["sign_for.schema.json"]


def _stored_form_turned_outward(web, target: str) -> dict:
    """The form as an older version stored it, before deployment refused outside references."""
    assert deploy(web, json.loads(FORM)).status_code == 201
    with web.sessions.begin() as db:
        db.execute(update(ProcessDefinition).values(forms={"sign_for": form_referring_to(target)}))
    return Api(web, "zhang.min").start("idem-old", {"process_id": "api_case", "business_key": "OLD-1"}).get_json()


@pytest.mark.parametrize("kind", ["url", "file"])
def test_a_stored_form_with_an_outside_reference_fetches_and_reads_nothing(web, listener, tmp_path, kind):
    server, requests = listener
    secret_file = tmp_path / "secret.json"
    secret_file.write_text(json.dumps({"enum": [SECRET]}))
    case = _stored_form_turned_outward(web, f"{server}/x.json" if kind == "url" else secret_file.as_uri())
    task_id = case["open_tasks"][0]["id"]

    by_api = Api(web, "li.wei").post(f"/tasks/{task_id}/complete", {"data": SIGNED})
    assert by_api.status_code == 422
    assert "signed_by" in by_api.get_json()["details"]
    assert SECRET not in by_api.get_data(as_text=True)

    page = web.client("li.wei")
    by_page = page.post(f"/inbox/tasks/{task_id}", data={"signed_by": "li", "estimate_hours": "2"})
    assert by_page.status_code == 422
    assert SECRET not in by_page.get_data(as_text=True)
    assert "Traceback" not in by_page.get_data(as_text=True)

    assert requests == []
    task = Api(web, "li.wei").get(f"/tasks/{task_id}").get_json()
    assert task["state"] == "open"
