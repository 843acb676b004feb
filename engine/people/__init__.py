"""People: who signs in (directory), what each may do (rights), their work desk (inbox and tasks), and the
administration of accounts, groups, rosters, API tokens and directory (LDAP) sign-in. What the web app and
the CLI use of it is named here (the work desk, which the engine builds, is `engine.WorkDesk`)."""
from . import token_table  # noqa: F401  (the API tokens' tables join the schema's metadata)
from .administration import EMAIL, PeopleAdmin, PersonSpec
from .directory import MIN_PASSWORD, NO_PASSWORD, ROLES, Directory, User
from .groups import KINDS as GROUP_KINDS
from .groups import NAME as GROUP_NAME
from .groups import GroupSpec, Groups
from .idempotency_keys import keyed_start, record_keyed_start
from .ldap_signin import LdapSettings, SignIn
from .rights import Rights
from .rate_limit_counts import add_hits, forget_hits, hits_in_window, window_end
from .roster import ImportReport, RosterInvalid, import_roster, read_roster
from .sign_in_sessions import mark_session_seen, open_session, revoke_session, session_last_seen
from .tokens import DEFAULT_DAYS as TOKEN_DAYS
from .tokens import MAX_DAYS as MAX_TOKEN_DAYS
from .tokens import ApiTokens, TokenInfo
from .visibility import sees_case

__all__ = ["ApiTokens", "Directory", "EMAIL", "GROUP_KINDS", "GROUP_NAME", "GroupSpec", "Groups", "ImportReport",
           "LdapSettings", "MAX_TOKEN_DAYS", "MIN_PASSWORD", "NO_PASSWORD", "PeopleAdmin", "PersonSpec", "ROLES",
           "Rights", "RosterInvalid", "SignIn", "TOKEN_DAYS", "TokenInfo", "User", "add_hits", "forget_hits",
           "hits_in_window", "import_roster", "keyed_start", "mark_session_seen", "open_session", "read_roster",
           "record_keyed_start", "revoke_session", "sees_case", "session_last_seen", "window_end"]
