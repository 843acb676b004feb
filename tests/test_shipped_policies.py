"""SLA policies ship with the process: `<process id>.sla.json` beside the diagram is deployed and versioned
with it, so `sqflow deploy` alone sets the deadlines; `sqflow sla load` overrides them until a new
version ships its own."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from cli.main import main
from engine import Engine, Settings, connect

from .people_support import seed_demo_groups

ROOT = Path(__file__).resolve().parents[1]


def _stored(url: str) -> dict:
    sessions = connect(Settings(database_url=url))
    with sessions.begin() as session:
        from engine.persistence.tables import SlaPolicySet
        row = session.get(SlaPolicySet, "complaint")
        found = {"source": row.source, "sign_for": next(p for p in row.policies if p["id"] == "sign_for")}
    sessions.kw["bind"].dispose()
    return found


def test_R_SLA_03_deploying_the_complaint_deploys_its_policies_versioned_with_it(tmp_path, monkeypatch, capsys):
    """R-SLA-03 (the 2 h sign-for as the example): the policies come with `sqflow deploy`; a load overrides
    them; deploying the same files again changes nothing; a new version with changed policies replaces
    the override and keeps its policy file with its files."""
    url = f"sqlite:///{tmp_path / 'ship.db'}"
    monkeypatch.setenv("SQFLOW_DATABASE_URL", url)
    seed_demo_groups(url)
    copy = tmp_path / "complaints"
    shutil.copytree(ROOT / "bpmn" / "complaints", copy)
    assert main(["deploy", str(copy)]) == 0
    shipped = _stored(url)
    assert shipped["source"].endswith("complaint.sla.json")
    assert shipped["sign_for"]["rules"][0]["target"] == {"amount": "sign_for_hours", "unit": "hours"}

    override = tmp_path / "override.json"
    document = json.loads((copy / "complaint.sla.json").read_text(encoding="utf-8"))
    document["policies"] = [p for p in document["policies"] if p["id"] == "sign_for"]
    document["policies"][0]["rules"] = [{"target": {"amount": 3, "unit": "hours"}}]
    override.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert main(["sla", "load", str(override)]) == 0
    assert main(["deploy", str(copy)]) == 0  # the same version: the override stays
    assert _stored(url)["sign_for"]["rules"][0]["target"]["amount"] == 3
    capsys.readouterr()

    shipped_file = copy / "complaint.sla.json"
    changed = json.loads(shipped_file.read_text(encoding="utf-8"))
    [sign_for] = [p for p in changed["policies"] if p["id"] == "sign_for"]
    sign_for["rules"] = [{"target": {"amount": "reply_critical_hours", "unit": "hours"}}]
    shipped_file.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    assert main(["deploy", str(copy), "--json"]) == 0
    outcomes = {o["process_id"]: o for o in json.loads(capsys.readouterr().out)}
    assert outcomes["complaint"]["version"] == 2 and outcomes["complaint"]["changed"] is True
    assert _stored(url)["sign_for"]["rules"][0]["target"]["amount"] == "reply_critical_hours"
    engine, sessions = Engine(Settings(database_url=url)), connect(Settings(database_url=url))
    with sessions.begin() as session:  # what the designer deploys a new version with
        files = engine.definitions.files_of(session, engine.definitions.latest(session, "complaint"))
        assert json.loads(files[-1].content)["policies"] == changed["policies"]
    sessions.kw["bind"].dispose()

    bad = json.loads(shipped_file.read_text(encoding="utf-8"))
    bad["policies"][0]["rules"][0]["target"]["amount"] = "no_such_setting"
    shipped_file.write_text(json.dumps(bad), encoding="utf-8")
    assert main(["deploy", str(copy)]) != 0
    assert "no_such_setting" in capsys.readouterr().err
