"""Signing in through the operator's directory (LDAP, with ldap3), off unless SQFLOW_LDAP_URL is set.

A local account (source "local") always signs in with its own password. Any other login is checked
against the directory by binding as the person; on success their account is created or brought up to
date with source "ldap": name, mail, and groups, department and roles from the values of one attribute
(memberOf by default) through SQFLOW_LDAP_GROUP_MAP (a value's first RDN, e.g. the cn of a group's DN,
that names an sqflow group maps to it without an entry). An account an administrator disabled stays
disabled whatever the directory says. Settings: see `LdapSettings.from_env` and the README.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

import ldap3
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AuthenticationFailed, ConfigurationError
from ..persistence.tables import Group, UserAccount
from .administration import current_values, record
from .directory import LOCALES, NO_PASSWORD, ROLES, Directory, User, touched

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LdapSettings:
    url: str = ""                          # empty: directory sign-in is off
    user_dn: str = ""                      # e.g. uid={login},ou=people,dc=example,dc=cn (no search)
    base_dn: str = ""                      # else: search here for user_filter
    user_filter: str = "(uid={login})"
    bind_dn: str = ""                      # who searches (empty: anonymously)
    bind_password: str = ""
    group_attribute: str = "memberOf"
    group_map: Mapping[str, str] = field(default_factory=dict)   # attribute value -> sqflow group
    role_map: Mapping[str, str] = field(default_factory=dict)    # attribute value -> role
    default_roles: tuple[str, ...] = ("handler",)
    name_attribute: str = "displayName"
    mail_attribute: str = "mail"
    start_tls: bool = False
    timeout: int = 5                       # seconds, to connect and for each answer

    @property
    def enabled(self) -> bool:
        return bool(self.url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "LdapSettings":
        def get(name: str, default: str = "") -> str:
            return env.get(f"SQFLOW_LDAP_{name}", default).strip()

        try:
            settings = cls(
                url=get("URL"), user_dn=get("USER_DN"), base_dn=get("BASE_DN"),
                user_filter=get("USER_FILTER", cls.user_filter), bind_dn=get("BIND_DN"),
                bind_password=env.get("SQFLOW_LDAP_BIND_PASSWORD", ""),
                group_attribute=get("GROUP_ATTRIBUTE", cls.group_attribute),
                group_map=_json_map(get("GROUP_MAP", "{}"), "SQFLOW_LDAP_GROUP_MAP"),
                role_map=_json_map(get("ROLE_MAP", "{}"), "SQFLOW_LDAP_ROLE_MAP"),
                default_roles=tuple(r.strip() for r in get("DEFAULT_ROLES", "handler").split(",") if r.strip()),
                name_attribute=get("NAME_ATTRIBUTE", cls.name_attribute),
                mail_attribute=get("MAIL_ATTRIBUTE", cls.mail_attribute),
                start_tls=get("START_TLS").lower() in ("1", "true", "yes"),
                timeout=int(get("TIMEOUT", "5")))
        except ValueError as exc:
            raise ConfigurationError(f"SQFLOW_LDAP_*: {exc}") from None
        settings.check()
        return settings

    def check(self) -> None:
        if not self.enabled:
            return
        if not self.user_dn and not self.base_dn:
            raise ConfigurationError("SQFLOW_LDAP_URL is set: set SQFLOW_LDAP_USER_DN or SQFLOW_LDAP_BASE_DN too")
        if self.user_dn and "{login}" not in self.user_dn:
            raise ConfigurationError("SQFLOW_LDAP_USER_DN must contain {login}")
        wrong = sorted({*self.role_map.values(), *self.default_roles} - set(ROLES))
        if wrong:
            raise ConfigurationError(f"SQFLOW_LDAP roles {', '.join(wrong)} are not among {', '.join(ROLES)}")


@dataclass(frozen=True)
class DirectoryEntry:
    dn: str
    name: str | None
    mail: str | None
    values: tuple[str, ...]     # of the group attribute


class SignIn:
    """Who a login and password belong to: the local account, or (when on) the directory's person."""

    def __init__(self, settings: LdapSettings | None = None, directory: Directory | None = None):
        self.settings = settings or LdapSettings()
        self.directory = directory or Directory()

    def authenticate(self, session: Session, login: str, password: str, now: datetime) -> User:
        login = login.strip()
        row = session.get(UserAccount, login)
        if not self.settings.enabled or (row is not None and row.source == "local"):
            return self.directory.authenticate(session, login, password)
        if not password or not login:  # an empty password would be an anonymous bind, which "succeeds"
            raise AuthenticationFailed("unknown login or wrong password")
        entry = self.check_password(login, password)
        if row is not None and not row.active:
            raise AuthenticationFailed("unknown login or wrong password")
        return self._keep(session, login, entry, row, now)

    def check_password(self, login: str, password: str) -> DirectoryEntry:
        """The person's entry if the directory accepts the password; otherwise `AuthenticationFailed`."""
        settings = self.settings
        attributes = [settings.name_attribute, "cn", settings.mail_attribute, settings.group_attribute]
        server = ldap3.Server(settings.url, connect_timeout=settings.timeout, get_info=ldap3.NONE)
        try:
            dn = self._find(server, login) if not settings.user_dn else settings.user_dn.format(login=escape_rdn(login))
            found = self._read_as_person(server, dn, password, attributes) if dn is not None else None
        except (LDAPException, OSError) as exc:
            log.warning("the directory at %s did not answer a sign-in: %s", settings.url, exc)
            raise AuthenticationFailed("the directory cannot be reached now; try again later") from None
        if found is None:
            raise AuthenticationFailed("unknown login or wrong password")
        return DirectoryEntry(dn, _first(found, settings.name_attribute) or _first(found, "cn"),
                              _first(found, settings.mail_attribute),
                              tuple(str(v) for v in found.get(settings.group_attribute, [])))

    def _read_as_person(self, server: ldap3.Server, dn: str, password: str,
                        attributes: list[str]) -> dict[str, list] | None:
        """The person's attributes, read bound as the person; None when the password is refused."""
        connection = self._connection(server, dn, password)
        try:
            if not connection.bind():
                return None
            connection.search(dn, "(objectClass=*)", ldap3.BASE, attributes=attributes)
            return connection.entries[0].entry_attributes_as_dict if connection.entries else None
        finally:
            connection.unbind()

    def _find(self, server: ldap3.Server, login: str) -> str | None:
        """The DN of the one entry SQFLOW_LDAP_USER_FILTER finds under SQFLOW_LDAP_BASE_DN, if exactly one."""
        connection = self._connection(server, self.settings.bind_dn or None, self.settings.bind_password or None)
        try:
            if not connection.bind():
                raise LDAPException(f"the search account was refused: {connection.result.get('description')}")
            connection.search(self.settings.base_dn,
                              self.settings.user_filter.format(login=escape_filter_chars(login)),
                              ldap3.SUBTREE, attributes=[], size_limit=2)
            return connection.entries[0].entry_dn if len(connection.entries) == 1 else None
        finally:
            connection.unbind()

    def _connection(self, server: ldap3.Server, user: str | None, password: str | None) -> ldap3.Connection:
        connection = ldap3.Connection(server, user=user, password=password, receive_timeout=self.settings.timeout,
                                      raise_exceptions=False, auto_bind=ldap3.AUTO_BIND_NONE)
        if self.settings.start_tls:
            connection.open()
            if not connection.start_tls():
                raise LDAPException("StartTLS was refused")
        return connection

    def _keep(self, session: Session, login: str, entry: DirectoryEntry, row: UserAccount | None,
              now: datetime) -> User:
        """Create or update the local account of a directory person; changes recorded as by "ldap"."""
        groups, department, roles = self._mapped(session, entry.values)
        wanted: dict[str, Any] = {"name": (entry.name or login)[:200], "department": department, "groups": groups,
                                  "roles": roles, "email": entry.mail, "active": True}
        if row is None:
            row = UserAccount(login=login, password_hash=NO_PASSWORD, locale=LOCALES[0], created_at=now,
                              active=True, source="ldap", must_change_password=False, **_columns(wanted))
            session.add(row)
            session.flush()
            record(session, "ldap", "person.added", login, now, values=wanted, dn=entry.dn)
        else:
            before = {**current_values(row), "source": row.source}
            changes = {key: [before[key], value] for key, value in {**wanted, "source": "ldap"}.items()
                       if before[key] != value}
            if changes:
                for key, value in _columns(wanted).items():
                    setattr(row, key, value)
                row.source, row.password_hash, row.must_change_password = "ldap", NO_PASSWORD, False
                session.flush()
                record(session, "ldap", "person.changed", login, now, changes=changes, dn=entry.dn)
        touched()
        return User.of(row)

    def _mapped(self, session: Session, values: tuple[str, ...]) -> tuple[list[str], str | None, list[str]]:
        """(groups, department, roles) from the attribute's values."""
        kinds = dict(session.execute(select(Group.name, Group.kind).where(Group.active.is_(True))).tuples().all())
        group_map = {_key(k): v for k, v in self.settings.group_map.items()}
        role_map = {_key(k): v for k, v in self.settings.role_map.items()}
        groups, roles = set(), set(self.settings.default_roles)
        for value in values:
            target = group_map.get(_key(value)) or _rdn_value(value)
            if target in kinds:
                groups.add(target)
            if _key(value) in role_map:
                roles.add(role_map[_key(value)])
        departments = sorted(g for g in groups if kinds[g] == "department")
        return sorted(groups), (departments[0] if departments else None), sorted(roles)


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    return {"name": values["name"], "department": values["department"], "groups": values["groups"],
            "roles": values["roles"], "email": values["email"]}


def _first(found: dict, attribute: str) -> str | None:
    values = found.get(attribute) or []
    return str(values[0]) if values else None


def _key(value: str) -> str:
    """DNs compare without case and without spaces after commas."""
    return ",".join(part.strip() for part in value.split(",")).lower()


def _rdn_value(value: str) -> str:
    try:
        return parse_dn(value)[0][1]
    except (LDAPException, IndexError):
        return value


def _json_map(text: str, name: str) -> dict[str, str]:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        raise ValueError(f"{name} is not JSON (an object of attribute value -> name)") from None
    if not isinstance(found, dict) or not all(isinstance(v, str) for v in found.values()):
        raise ValueError(f"{name} must be a JSON object of attribute value -> name")
    return found
