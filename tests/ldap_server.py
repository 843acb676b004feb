"""A real LDAP server for tests: Debian's slapd on a loopback port, with a temporary configuration and
database, run as a child process in the foreground (never a daemon) and stopped at the end.

`start(tmp_path)` returns the server, or None with the reason when slapd is missing or does not start
(the tests then skip, saying why). The directory has people under ou=people and groupOfNames under
ou=groups; the memberof overlay gives each person a memberOf attribute, as Active Directory does.
"""
from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import ldap3

from .conftest import free_port

SUFFIX = "dc=branch,dc=example,dc=cn"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "directory-root-secret"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")
CONFIG = """{includes}
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {folder}/slapd.pid
database mdb
suffix "{suffix}"
rootdn "{root}"
rootpw {password}
directory {folder}/data
maxsize 10485760
overlay memberof
"""


@dataclass
class LdapServer:
    url: str
    process: subprocess.Popen

    def connection(self) -> ldap3.Connection:
        return ldap3.Connection(ldap3.Server(self.url), ROOT_DN, ROOT_PASSWORD, auto_bind=True)

    def add_person(self, uid: str, name: str, password: str, mail: str | None = None) -> str:
        dn = f"uid={uid},ou=people,{SUFFIX}"
        attributes = {"cn": name, "sn": name[:1], "displayName": name, "userPassword": password}
        if mail:
            attributes["mail"] = mail
        with self.connection() as connection:
            assert connection.add(dn, ["inetOrgPerson"], attributes), connection.result
        return dn

    def add_group(self, cn: str, members: list[str]) -> str:
        dn = f"cn={cn},ou=groups,{SUFFIX}"
        with self.connection() as connection:
            assert connection.add(dn, ["groupOfNames"], {"member": members}), connection.result
        return dn

    def set_password(self, dn: str, password: str) -> None:
        with self.connection() as connection:
            assert connection.modify(dn, {"userPassword": [(ldap3.MODIFY_REPLACE, [password])]}), connection.result

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(folder: Path) -> tuple[LdapServer | None, str]:
    slapd = shutil.which("slapd") or next((p for p in ("/usr/sbin/slapd",) if Path(p).exists()), None)
    if slapd is None:
        return None, "slapd is not installed (Debian: apt-get install -y slapd ldap-utils)"
    if not Path("/usr/lib/ldap/memberof.so").exists():
        return None, "slapd's memberof module is missing from /usr/lib/ldap"
    (folder / "data").mkdir(parents=True)
    includes = "\n".join(f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS)
    (folder / "slapd.conf").write_text(CONFIG.format(includes=includes, folder=folder, suffix=SUFFIX, root=ROOT_DN,
                                                     password=ROOT_PASSWORD))
    port = free_port()
    url = f"ldap://127.0.0.1:{port}"
    log = (folder / "slapd.log").open("w")
    # -d keeps slapd in the foreground as our child; "none" logs nothing but startup failures.
    process = subprocess.Popen([slapd, "-d", "none", "-f", str(folder / "slapd.conf"), "-h", url + "/"],
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return None, f"slapd stopped at start: {(folder / 'slapd.log').read_text()[-500:]}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        return None, "slapd did not listen within 15 s"
    server = LdapServer(url, process)
    with server.connection() as connection:
        connection.add(SUFFIX, ["dcObject", "organization"], {"dc": "branch", "o": "Branch"})
        connection.add(f"ou=people,{SUFFIX}", ["organizationalUnit"], {"ou": "people"})
        connection.add(f"ou=groups,{SUFFIX}", ["organizationalUnit"], {"ou": "groups"})
    return server, ""
