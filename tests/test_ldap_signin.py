"""Signing in through the operator's directory, against a real LDAP server (slapd) the test starts:
a directory person gets a local account (source ldap) with groups, department and roles mapped from
an attribute, kept up to date at each sign-in; local accounts keep their own passwords; an account an
administrator disabled stays disabled. Skipped, with the reason, when slapd cannot start here."""
from __future__ import annotations

import json

import pytest

from .ldap_server import SUFFIX, ROOT_DN, ROOT_PASSWORD, start
from .web_harness import WebHarness


@pytest.fixture
def directory(tmp_path):
    server, reason = start(tmp_path / "slapd")
    if server is None:
        pytest.skip(f"no LDAP server for this test: {reason}")
    yield server
    server.stop()


def web_with_directory(monkeypatch, tmp_path, directory, mode: str) -> WebHarness:
    """The web app (demo people and groups) with SQFLOW_LDAP_* set as an operator would."""
    monkeypatch.setenv("SQFLOW_LDAP_URL", directory.url)
    if mode == "template":
        monkeypatch.setenv("SQFLOW_LDAP_USER_DN", f"uid={{login}},ou=people,{SUFFIX}")
    else:
        monkeypatch.setenv("SQFLOW_LDAP_BASE_DN", SUFFIX)
        monkeypatch.setenv("SQFLOW_LDAP_USER_FILTER", "(&(objectClass=inetOrgPerson)(uid={login}))")
        monkeypatch.setenv("SQFLOW_LDAP_BIND_DN", ROOT_DN)
        monkeypatch.setenv("SQFLOW_LDAP_BIND_PASSWORD", ROOT_PASSWORD)
    monkeypatch.setenv("SQFLOW_LDAP_GROUP_MAP", json.dumps({f"cn=frontline,ou=groups,{SUFFIX}": "first_responder"}))
    monkeypatch.setenv("SQFLOW_LDAP_ROLE_MAP", json.dumps({f"cn=leads,ou=groups,{SUFFIX}": "team_lead"}))
    return WebHarness(f"sqlite:///{tmp_path / 'sqflow.db'}", tmp_path / "var")


def sign_in(web, login: str, password: str):
    return web.client().post("/login", data={"login": login, "password": password})


@pytest.mark.parametrize("mode", ["template", "search"])
def test_a_directory_person_signs_in_with_the_groups_the_directory_gives(monkeypatch, tmp_path, directory, mode):
    sun = directory.add_person("sun.ba", "孙八", "directory-pw-1", "sun.ba@branch.example.cn")
    other = directory.add_person("qian.jiu", "钱九", "directory-pw-2")
    directory.add_group("frontline", [sun])           # mapped by SQFLOW_LDAP_GROUP_MAP
    directory.add_group("network_dept", [sun, other])  # its cn names an sqflow department
    directory.add_group("leads", [sun])                # mapped to a role by SQFLOW_LDAP_ROLE_MAP
    directory.add_group("canteen", [sun])              # means nothing to sqflow
    web = web_with_directory(monkeypatch, tmp_path, directory, mode)
    try:
        assert sign_in(web, "sun.ba", "wrong").status_code == 401
        assert sign_in(web, "sun.ba", "").status_code == 401  # never an anonymous bind
        assert sign_in(web, "nobody", "directory-pw-1").status_code == 401
        signed = sign_in(web, "sun.ba", "directory-pw-1")
        assert signed.status_code == 302 and signed.headers["Location"] == "/"  # no password to change here
        with web.sessions.begin() as db:
            sun_user = web.engine.desk.directory.get(db, "sun.ba")
        assert (sun_user.name, sun_user.email, sun_user.source) == ("孙八", "sun.ba@branch.example.cn", "ldap")
        assert sun_user.groups == {"first_responder", "network_dept"} and sun_user.department == "network_dept"
        assert sun_user.roles == {"handler", "team_lead"} and not sun_user.must_change_password

        assert sign_in(web, "li.wei", "sqflow-demo").status_code == 302  # a local account keeps its password
        assert sign_in(web, "li.wei", "directory-pw-1").status_code == 401

        with directory.connection() as connection:  # the directory moves sun.ba out of the leads
            connection.modify(f"cn=leads,ou=groups,{SUFFIX}", {"member": [("MODIFY_REPLACE", [other])]})
        directory.set_password(sun, "directory-pw-3")
        assert sign_in(web, "sun.ba", "directory-pw-1").status_code == 401
        assert sign_in(web, "sun.ba", "directory-pw-3").status_code == 302
        with web.sessions.begin() as db:
            assert web.engine.desk.directory.get(db, "sun.ba").roles == {"handler"}

        admin = web.client("admin")
        page = admin.get("/admin/people/sun.ba").get_data(as_text=True)
        assert "单位目录（LDAP）" in page and "新增账号" in page and "修改账号" in page
        assert 'id="reset-password"' not in page  # the directory keeps this password
        assert admin.post("/admin/people/sun.ba/disable").status_code == 302
        assert sign_in(web, "sun.ba", "directory-pw-3").status_code == 401  # disabled here, whatever LDAP says
    finally:
        web.close()


def test_a_directory_that_cannot_be_reached_refuses_its_people_but_not_local_accounts(monkeypatch, tmp_path,
                                                                                      directory):
    directory.add_person("sun.ba", "孙八", "directory-pw-1")
    web = web_with_directory(monkeypatch, tmp_path, directory, "template")
    try:
        directory.stop()
        refused = sign_in(web, "sun.ba", "directory-pw-1")
        assert refused.status_code == 401 and "Traceback" not in refused.get_data(as_text=True)
        assert sign_in(web, "zhang.min", "sqflow-demo").status_code == 302
    finally:
        web.close()
