"""The demo's supervisors: accounts with the role `supervisor`, each appointed (a term instance), so
`/supervisors/reports` and the roster have something to show. Needs the supervisor diagrams deployed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from engine import Engine
from engine.people import Directory
from processes.demo_people import DEMO_PASSWORD

from .credentials import next_certificate_number
from .reports import serving_term

# login, name, phone
DEMO_SUPERVISORS = [("qian.jiandu", "钱监督", "13800138001"), ("sun.jiandu", "孙监督", "13800138002")]


def seed_supervisors(engine: Engine, sessions: sessionmaker[Session], now: datetime,
                     directory: Directory | None = None) -> list[str]:
    """Create (or refresh) the demo supervisors and appoint those not in office; their certificate numbers."""
    directory = directory or Directory()
    numbers = []
    for login, name, phone in DEMO_SUPERVISORS:
        with sessions.begin() as session:
            directory.save(session, login, name=name, password=DEMO_PASSWORD, roles=("supervisor",), now=now)
            term = serving_term(session, login, engine.clock.now())
            if term is not None:
                numbers.append(term.business_key)
                continue
            start = engine.clock.now().astimezone(engine.calendar.zone)
            number = next_certificate_number(session, start.year)
            engine.instances.start(session, "supervisor_term", started_by="demo", business_key=number, data={
                "certificate_no": number, "name": name, "login": login, "phone": phone,
                "term_start": start.isoformat(), "served_since": start.isoformat(), "term_number": 1})
            numbers.append(number)
    return numbers
