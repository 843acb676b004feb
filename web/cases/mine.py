"""My cases (我的受理): every case the person received, until it is closed. Each shows its stage and who
holds it now, its deadlines and the department's latest answer; the callback that closes a case opens
from here once the answer is in."""
from __future__ import annotations

from flask import render_template, request

from engine.reads import owned_cases

from .. import runtime
from ..inbox.task_rights import people_names
from ..security import login_required
from . import bp
from .intake import require_take_in


@bp.get("/")
@login_required
def mine():
    user = require_take_in()
    closed = request.args.get("show") == "closed"
    with runtime.reading() as db:
        cases = owned_cases(db, user, runtime.engine().clock.now(), closed=closed)
        names = people_names(db)
    return render_template("cases/mine.html", cases=cases, closed=closed, names=names, me=user.login)
