"""Service-quality supervisors: the public credential check, the roster, supervisors' own reports.

`/verify/<token>` needs no sign-in and shows only the ID's state, certificate number and term end
(R-SUP-04). The roster is for managers (R-SUP-08). A supervisor sees and files only their own
mystery-visit reports and reads the answers to them (R-SUP-06, R-SUP-09).
"""
from __future__ import annotations

from datetime import datetime

from flask import (Blueprint, Response, current_app, flash, redirect, render_template, request, url_for)
from flask_babel import gettext, lazy_gettext

from engine.errors import FormInvalid
from processes.supervisors.credentials import electronic_id, verify as verify_token
from processes.supervisors.reports import KINDS, my_report, my_reports, serving_term, submit_report
from processes.supervisors.roster import roster as roster_rows, roster_csv

from .. import runtime
from ..security import current_user, role_required

bp = Blueprint("supervisors", __name__, template_folder="templates")
CATEGORIES = ("service", "billing", "network", "product", "other")
STATUSES = {"serving": lazy_gettext("serving"), "suspended": lazy_gettext("ID suspended"),
            "expired": lazy_gettext("expired"), "dismissed": lazy_gettext("dismissed")}
TERM_EVENTS = {  # a term's service history, as processes/supervisors/terms.noted records it
    "appointed": lazy_gettext("appointed"), "assessed": lazy_gettext("assessed"),
    "commended": lazy_gettext("commended"), "suspended for correction": lazy_gettext("suspended for correction"),
    "reinstated": lazy_gettext("reinstated"), "appointment ended": lazy_gettext("appointment ended"),
    "renewal granted": lazy_gettext("renewal granted"),
    "renewal granted by exception": lazy_gettext("renewal granted by exception"),
    "renewal refused": lazy_gettext("renewal refused"), "not renewed": lazy_gettext("not renewed"),
    "renewed": lazy_gettext("renewed"), "term ended": lazy_gettext("term ended"),
}


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


@bp.get("/verify/<token>")
def verify(token: str):
    """Public: what a scanned supervisor ID says now. Nothing about the person."""
    with runtime.reading() as db:
        result = verify_token(db, token[:2000], _secret(), runtime.engine().clock.now())
    response = Response(render_template("supervisors/verify.html", result=result))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/supervisors/roster")
@role_required("manager")
def roster():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    with runtime.reading() as db:
        rows = roster_rows(db, runtime.engine().clock.now(), status)
    return render_template("supervisors/roster.html", rows=rows, status=status, statuses=STATUSES,
                           term_events=TERM_EVENTS)


@bp.get("/supervisors/roster.csv")
@role_required("manager")
def roster_export():
    with runtime.reading() as db:
        text = roster_csv(roster_rows(db, runtime.engine().clock.now()))
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=supervisor-roster.csv"})


def _report_from(form) -> dict:
    report = {"kind": form.get("kind", ""), "place": form.get("place", "").strip()[:200],
              "category": form.get("category", ""), "finding": form.get("finding", "").strip()[:4000],
              "service_failure": form.get("service_failure") == "yes"}
    visited = form.get("visited_at", "").strip()
    if visited:
        try:
            moment = datetime.fromisoformat(visited)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=runtime.engine().calendar.zone)
            report["visited_at"] = moment.isoformat()
        except ValueError:
            report["visited_at"] = visited
    return report


@bp.route("/supervisors/reports", methods=["GET", "POST"])
@role_required("supervisor")
def reports():
    user = current_user()
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = _report_from(request.form)
        try:
            with runtime.transaction() as db:
                submit_report(runtime.engine(), db, user, values)
        except FormInvalid as invalid:
            errors, status = invalid.fields, 422
        else:
            flash(gettext("Your report was filed."), "success")
            return redirect(url_for("supervisors.reports"))
    with runtime.reading() as db:
        rows = my_reports(runtime.engine(), db, user.login)
        in_office = serving_term(db, user.login, runtime.engine().clock.now()) is not None
    return render_template("supervisors/reports.html", rows=rows, errors=errors, values=values, kinds=KINDS,
                           categories=CATEGORIES, in_office=in_office), status


@bp.get("/supervisors/reports/<key>")
@role_required("supervisor")
def report(key: str):
    with runtime.reading() as db:
        row = my_report(runtime.engine(), db, current_user().login, key[:200])
    return render_template("supervisors/report.html", row=row)


@bp.get("/supervisors/my-id")
@role_required("supervisor")
def my_id():
    with runtime.reading() as db:
        term = serving_term(db, current_user().login, runtime.engine().clock.now())
        number = term.business_key if term is not None else None
    card = electronic_id(number, _secret(), request.url_root) if number else None
    return render_template("supervisors/my_id.html", card=card)
