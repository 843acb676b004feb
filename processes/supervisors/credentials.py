"""Appointment certificates and the electronic supervisor ID (R-SUP-04).

The certificate number is readable and unique (`SQS-2026-0007`) and is the business key of the
supervisor's term instance, so the registry is the instances themselves. The ID's QR code points
at `/verify/<token>`; the token is the certificate number signed with the app's secret
(itsdangerous), so a forged or altered code is reported invalid. The page says valid, suspended,
expired or invalid, with the certificate number and term end only: nothing about the person.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import qrcode
import qrcode.image.svg
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.persistence.tables import ProcessInstance

TERM_PROCESS = "supervisor_term"
SALT = "sqflow-supervisor-id"
NUMBER = re.compile(r"^SQS-(\d{4})-(\d{4,})$")
STATES = ("valid", "suspended", "expired", "invalid")


def certificate_number(year: int, sequence: int) -> str:
    return f"SQS-{year:04d}-{sequence:04d}"


def next_certificate_number(session: Session, year: int) -> str:
    """The next free number of `year` (numbers are never reused, even after a term ended)."""
    keys = session.scalars(select(ProcessInstance.business_key).where(
        ProcessInstance.process_id == TERM_PROCESS, ProcessInstance.business_key.like(f"SQS-{year:04d}-%"))).all()
    used = [int(match.group(2)) for match in map(NUMBER.match, filter(None, keys)) if match]
    return certificate_number(year, max(used, default=0) + 1)


def _serializer(secret: str | bytes) -> URLSafeSerializer:
    if not secret:
        raise ValueError("signing supervisor IDs needs a secret key")
    return URLSafeSerializer(secret, salt=SALT)


def id_token(certificate_no: str, secret: str | bytes) -> str:
    """The signed token the QR code carries."""
    if not NUMBER.match(certificate_no):
        raise ValueError(f"not a certificate number: {certificate_no!r}")
    return _serializer(secret).dumps({"c": certificate_no})


def read_token(token: str, secret: str | bytes) -> str | None:
    """The certificate number a token was signed for, or None when it is forged, altered or garbled."""
    try:
        payload = _serializer(secret).loads(token)
    except BadSignature:
        return None
    number = payload.get("c") if isinstance(payload, dict) else None
    return number if isinstance(number, str) and NUMBER.match(number) else None


def qr_svg(url: str) -> str:
    """The QR code of `url` as an SVG document (no image library needed)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return image.to_string(encoding="unicode")


@dataclass(frozen=True)
class ElectronicId:
    certificate_no: str
    token: str
    url: str
    qr_svg: str


def electronic_id(certificate_no: str, secret: str | bytes, base_url: str = "") -> ElectronicId:
    """The supervisor's electronic ID: the signed token, the verification URL and its QR code."""
    token = id_token(certificate_no, secret)
    url = f"{base_url.rstrip('/')}/verify/{token}"
    return ElectronicId(certificate_no, token, url, qr_svg(url))


@dataclass(frozen=True)
class Verification:
    state: str                      # one of STATES
    certificate_no: str | None = None
    term_end: str | None = None     # YYYY-MM-DD, for a valid or suspended ID


def term_instance(session: Session, certificate_no: str) -> ProcessInstance | None:
    return session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == TERM_PROCESS, ProcessInstance.business_key == certificate_no)
        .order_by(ProcessInstance.id.desc()).limit(1).execution_options(populate_existing=True)).first()


def standing(row: ProcessInstance, now: datetime) -> str:
    """serving, suspended, expired or dismissed: what the record says now."""
    status = (row.attributes or {}).get("status")
    term_end = (row.attributes or {}).get("term_end")
    if status == "dismissed" or row.state == "terminated":
        return "dismissed"
    if status == "expired" or row.state == "completed" or (term_end and datetime.fromisoformat(term_end) <= now):
        return "expired"
    if status == "suspended" or row.state == "suspended":
        return "suspended"
    return "serving" if row.state in ("active", "error") else "expired"


def verify(session: Session, token: str, secret: str | bytes, now: datetime) -> Verification:
    """What the public verification page says about a scanned ID (R-SUP-04)."""
    number = read_token(token, secret)
    row = term_instance(session, number) if number else None
    if row is None:
        return Verification("invalid")
    state = {"serving": "valid", "suspended": "suspended"}.get(standing(row, now), "expired")
    term_end = (row.attributes or {}).get("term_end")
    return Verification(state, number, term_end[:10] if term_end and state != "expired" else None)
