"""The supervisors' web pages: public ID verification, the roster for managers, supervisors' own reports."""
from __future__ import annotations

import csv
import io

import pytest

from processes.demo_people import DEMO_PASSWORD
from processes.supervisors.credentials import id_token, term_instance
from processes.supervisors.demo import seed_supervisors
from tests.test_supervisor_recruitment import COMPLAINTS, SUPERVISORS, diagram_files

SECRET = "test-secret"  # the web harness's SECRET_KEY


@pytest.fixture
def site(web):
    with web.sessions.begin() as session:
        web.engine.definitions.deploy(session, diagram_files(SUPERVISORS, COMPLAINTS), "lin.designer")
    numbers = seed_supervisors(web.engine, web.sessions, web.clock.now(), web.engine.desk.directory)
    assert numbers == ["SQS-2026-0001", "SQS-2026-0002"]
    return web


def test_R_SUP_04_the_public_verification_page_needs_no_login_and_shows_no_person(site):
    """R-SUP-04: valid, suspended and invalid (forged) IDs; nothing about the person is shown."""
    anyone = site.client()
    page = anyone.get(f"/verify/{id_token('SQS-2026-0001', SECRET)}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "有效" in text and "SQS-2026-0001" in text and "2028-01-05" in text
    assert "钱监督" not in text and "13800138001" not in text and "qian.jiandu" not in text
    forged = anyone.get(f"/verify/{id_token('SQS-2026-0001', 'a forger key')}").get_data(as_text=True)
    assert "无效" in forged and "SQS-2026-0001" not in forged
    with site.sessions.begin() as session:
        term = term_instance(session, "SQS-2026-0002")
        site.engine.instances.suspend(session, term.id, by="ma.manager")
    suspended = anyone.get(f"/verify/{id_token('SQS-2026-0002', SECRET)}").get_data(as_text=True)
    assert "已暂停" in suspended


def test_R_SUP_08_the_roster_and_its_csv_are_for_managers(site):
    """R-SUP-08: the roster (名录) is kept centrally and exported."""
    manager = site.client("ma.manager")
    page = manager.get("/supervisors/roster").get_data(as_text=True)
    assert "SQS-2026-0001" in page and "钱监督" in page and "在任" in page
    export = manager.get("/supervisors/roster.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["certificate_no"], r["status"], r["term_end"]) for r in rows] == [
        ("SQS-2026-0001", "serving", "2028-01-05"), ("SQS-2026-0002", "serving", "2028-01-05")]
    assert "appointed" in rows[0]["history"]
    assert site.client("qian.jiandu").get("/supervisors/roster.csv").status_code == 403
    assert site.client().get("/supervisors/roster").status_code == 302  # to sign-in


def test_R_SUP_09_a_supervisor_files_and_sees_only_their_own_reports(site):
    """R-SUP-06, R-SUP-09: the report form; each supervisor sees their own reports, not another's."""
    qian, sun = site.client("qian.jiandu"), site.client("sun.jiandu")
    response = qian.post("/supervisors/reports", data={
        "kind": "in_person", "visited_at": "2026-01-04T15:30", "place": "人民路营业厅", "category": "service",
        "finding": "营业厅排队一小时无人引导", "service_failure": "yes"})
    assert response.status_code == 302
    page = qian.get("/supervisors/reports").get_data(as_text=True)
    assert "MV-SQS-2026-0001-001" in page and "已转投诉处理" in page and "等待答复" in page
    assert "人民路营业厅" not in sun.get("/supervisors/reports").get_data(as_text=True)
    assert sun.get("/supervisors/reports/MV-SQS-2026-0001-001").status_code == 404
    assert qian.get("/supervisors/reports/MV-SQS-2026-0001-001").status_code == 200
    bad = qian.post("/supervisors/reports", data={"kind": "in_person", "visited_at": "2026-01-04T15:30",
                                                  "place": "x", "category": "service", "finding": "short"})
    assert bad.status_code == 422 and "finding" in bad.get_data(as_text=True)
    assert site.client("ma.manager").get("/supervisors/reports").status_code == 403


def test_R_SUP_04_a_supervisor_sees_their_electronic_id_with_its_qr_code(site):
    """R-SUP-04: the electronic ID with a QR code pointing at the verification page."""
    page = site.client("qian.jiandu").get("/supervisors/my-id").get_data(as_text=True)
    assert "SQS-2026-0001" in page and "<svg" in page and f"/verify/{id_token('SQS-2026-0001', SECRET)}" in page


def test_the_demo_supervisor_can_sign_in(site):
    assert site.client("qian.jiandu", DEMO_PASSWORD).get("/supervisors/reports").status_code == 200
