"""Per-user API tokens: created with an expiry, shown once, stored as a SHA-256 hash, revocable.

A token is `sqf_` followed by 43 URL-safe characters (256 random bits), so a plain SHA-256 is a
safe one-way hash: there is nothing to guess that a slow hash would protect.

`ApiTokens(cache_seconds=N)` remembers tokens it found valid for N seconds, so a busy client costs no
database look-up per request. Revoking a token, or changing any account, through the same object or
process forgets them at once; a revocation or account change made by another process takes effect
there within N seconds.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import AuthenticationFailed, InvalidInputError, NotFoundError
from . import directory as accounts
from .directory import Directory, User
from .token_table import ApiToken

PREFIX = "sqf_"
DEFAULT_DAYS = 90
MAX_DAYS = 365
MAX_ACTIVE = 50
# Writing the last-use time at most this often keeps a busy client from updating its row per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_REMEMBERED = 10_000


@dataclass(frozen=True)
class TokenInfo:
    id: int
    login: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "active"

    @classmethod
    def of(cls, row: ApiToken) -> "TokenInfo":
        return cls(row.id, row.login, row.name, row.prefix, row.created_at, row.expires_at, row.revoked_at,
                   row.last_used_at)


@dataclass(frozen=True)
class NewToken:
    token: str          # the secret itself: returned once, never stored
    info: TokenInfo


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Remembered:
    user: User
    info: TokenInfo
    until: datetime
    accounts_version: int


class ApiTokens:
    def __init__(self, directory: Directory | None = None, *, cache_seconds: float = 0):
        self.directory = directory or Directory()
        self.cache_for = timedelta(seconds=cache_seconds)
        self._remembered: dict[str, _Remembered] = {}

    def create(self, session: Session, login: str, name: str, now: datetime,
               days: int = DEFAULT_DAYS) -> NewToken:
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidInputError("a token needs a name of 1 to 100 characters")
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInputError(f"a token lives 1 to {MAX_DAYS} days")
        if self.directory.get(session, login) is None:
            raise NotFoundError(f"no active user {login!r}")
        active = session.scalar(select(func.count()).select_from(ApiToken).where(
            ApiToken.login == login, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now))
        if (active or 0) >= MAX_ACTIVE:
            raise InvalidInputError(f"at most {MAX_ACTIVE} active tokens per user: revoke some first")
        token = PREFIX + secrets.token_urlsafe(32)
        row = ApiToken(login=login, name=name, token_hash=hash_token(token), prefix=token[:len(PREFIX) + 6],
                       created_at=now, expires_at=now + timedelta(days=days))
        session.add(row)
        session.flush()
        return NewToken(token, TokenInfo.of(row))

    def list(self, session: Session, login: str) -> list[TokenInfo]:
        """The user's tokens, newest first (revoked and expired ones too, for the record)."""
        rows = session.scalars(select(ApiToken).where(ApiToken.login == login)
                               .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
        return [TokenInfo.of(row) for row in rows]

    def revoke(self, session: Session, login: str, token_id: int, now: datetime) -> TokenInfo:
        """Revoke one of the user's own tokens (revoking twice keeps the first time)."""
        row = session.get(ApiToken, token_id)
        if row is None or row.login != login:
            raise NotFoundError(f"you have no token #{token_id}")
        if row.revoked_at is None:
            row.revoked_at = now
            session.flush()
        self.forget(token_id)
        return TokenInfo.of(row)

    def forget(self, token_id: int) -> None:
        for key, remembered in list(self._remembered.items()):
            if remembered.info.id == token_id:
                self._remembered.pop(key, None)

    def recall(self, token: str, now: datetime) -> tuple[User, TokenInfo] | None:
        """The user and token `authenticate` found valid less than `cache_seconds` ago, if still valid."""
        if not self._remembered:
            return None
        key = hash_token(token)
        remembered = self._remembered.get(key)
        if remembered is None:
            return None
        if now >= remembered.until or remembered.accounts_version != accounts.changes():
            self._remembered.pop(key, None)
            return None
        return remembered.user, remembered.info

    def authenticate(self, session: Session, token: str, now: datetime) -> tuple[User, TokenInfo]:
        """The active user a valid token belongs to; `AuthenticationFailed` for anything else."""
        if not token.startswith(PREFIX) or len(token) > 100:
            raise AuthenticationFailed("not an sqflow API token")
        accounts_version = accounts.changes()
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        if row is None:
            raise AuthenticationFailed("unknown API token")
        if row.revoked_at is not None:
            raise AuthenticationFailed("this API token was revoked")
        if row.expires_at <= now:
            raise AuthenticationFailed("this API token has expired")
        user = self.directory.get(session, row.login)
        if user is None:
            raise AuthenticationFailed("the account of this API token is disabled")
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            row.last_used_at = now
            session.flush()
        info = TokenInfo.of(row)
        if self.cache_for:
            if len(self._remembered) >= MAX_REMEMBERED:
                self._remembered.clear()
            self._remembered[hash_token(token)] = _Remembered(
                user, info, min(now + self.cache_for, info.expires_at), accounts_version)
        return user, info
