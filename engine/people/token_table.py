"""Tables of the API: per-user tokens (only their hash is stored) and the idempotency keys of starts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..persistence.tables import Base, BigId


class ApiToken(Base):
    """A bearer token of one user; `token_hash` is the SHA-256 of the secret shown once at creation."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_login", "login", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(200), ForeignKey("users.login"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class IdempotencyKey(Base):
    """An instance start asked with an `Idempotency-Key`: a retry with the same key gets the same instance."""

    __tablename__ = "api_idempotency_keys"

    login: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    instance_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("process_instances.id"))
    created_at: Mapped[datetime]
