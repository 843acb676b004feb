"""The team lead's view: the late and nearly late tasks of their groups, soonest due first, who holds
each, and a reassign in one step; the chase tasks a missed deadline opened, each naming the late task
and who holds it; the tasks of cases the customer has chased as often as the branch escalates (催办)."""
from __future__ import annotations

from flask import render_template

from engine.errors import Forbidden
from engine.reads import chase_tasks, late_tasks, leads_team, often_reminded

from .. import runtime
from ..inbox.task_rights import GroupMembers, choices_for, people_names
from ..security import current_user, login_required
from . import bp
from .complaint import chases


@bp.get("/team")
@login_required
def team():
    user = current_user()
    if not leads_team(user):
        raise Forbidden("this page is for team leads and department heads")
    desk = runtime.engine().desk
    with runtime.reading() as db:
        chased = chases(db)
        late = late_tasks(db, desk, user, chased)
        chasing = chase_tasks(db, user, chased)
        reminded = often_reminded(db, user, runtime.engine().settings.branch.reminder_escalation_count)
        members = GroupMembers(db)
        choices = {task.id: choices_for(user, task, members)
                   for task in [line.row.task for line in late] + [c.chased for c in chasing if c.chased]
                   + [r.task for r in reminded]}
        names = people_names(db)
    return render_template("cases/team.html", late=late, chasing=chasing, reminded=reminded, choices=choices,
                           names=names)
