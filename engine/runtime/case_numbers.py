"""Case numbers (e.g. TS-2026-0042): the next one under a prefix, never the same for two cases recorded at
the same moment."""
from __future__ import annotations

import zlib

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..persistence.tables import ProcessInstance

LOCK_SPACE = 0x5346 << 32  # 'SF': keeps these advisory locks apart from any other use of them


def next_case_key(session: Session, prefix: str, digits: int = 4) -> str:
    """The next key written `<prefix>NNNN` (TS-2026-0042 after TS-2026-0041), for the case the caller starts
    in the same transaction. Until that transaction ends, whoever numbers a case under the same prefix
    waits here: on PostgreSQL for a transaction-scoped advisory lock, on SQLite for the write lock that
    every writing transaction takes at its start."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                        {"key": LOCK_SPACE | zlib.crc32(prefix.encode())})
    escaped = prefix.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    keys = session.scalars(select(ProcessInstance.business_key).where(
        ProcessInstance.business_key.like(escaped + "%", escape="\\"))).all()
    taken = [int(key[len(prefix):]) for key in keys if key and key[len(prefix):].isdigit()]
    return f"{prefix}{max(taken, default=0) + 1:0{digits}d}"
