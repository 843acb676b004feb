"""Recruiting supervisors (R-SUP-01..03, R-APL-07): eligibility, the panel, ranking on merit, appointment.

Diagram helpers over plain data. Candidates are kept in dicts keyed by applicant id ("A01"), which
the campaign's multi-instance tasks iterate, so each review and score lands under its own key.
A rejection is `{applicant_id, name, login, stage, reason, decided_at}`; the reason names the rule.
"""
from __future__ import annotations

from .limits import limit

BACKGROUNDS = {
    "government": "党政机关 government body",
    "enterprise_institution": "企事业单位 enterprise or institution",
    "social_organisation": "社会团体 social organisation",
    "independent_public_figure": "社会知名人士 independent public figure",
}
NO_EMPLOYER = "independent_public_figure"
REQUIRED = ("name", "phone", "background")


def _ineligibility(application: dict, earlier: list[dict]) -> str | None:
    missing = [key for key in REQUIRED if not str(application.get(key) or "").strip()]
    if missing:
        return f"R-SUP-01: incomplete application (missing {', '.join(missing)})"
    if application["background"] not in BACKGROUNDS:
        return (f"R-SUP-02: background {application['background']!r} is not accepted "
                f"(one of {', '.join(BACKGROUNDS)})")
    if not application.get("candidate_consent"):
        return "R-SUP-02: the candidate's consent is not recorded"
    if application["background"] != NO_EMPLOYER and not application.get("employer_consent"):
        return "R-SUP-02: the employer's consent is not recorded"
    if not application.get("telecom_knowledge"):
        return "R-SUP-02: no knowledge of telecom services stated"
    if any(a["phone"] == application["phone"] for a in earlier):
        return "R-SUP-01: this person has already applied in this campaign"
    return None


def admit_application(applications: list, application: dict, received_at: str) -> list:
    """The campaign's applications with `application` added, numbered and checked for eligibility."""
    entry = {key: application.get(key) for key in (
        "name", "login", "phone", "background", "organisation", "candidate_consent", "employer_consent",
        "telecom_knowledge", "statement")}
    reason = _ineligibility(entry, list(applications))
    entry.update(applicant_id=f"A{len(applications) + 1:02d}", received_at=received_at,
                 eligible=reason is None, ineligible_reason=reason)
    return list(applications) + [entry]


def _rejection(candidate: dict, stage: str, reason: str, decided_at: str) -> dict:
    return {"applicant_id": candidate["applicant_id"], "name": candidate.get("name"), "login": candidate.get("login"),
            "stage": stage, "reason": reason, "decided_at": decided_at}


def sort_eligible(applications: list, decided_at: str) -> tuple[dict, list]:
    """(eligible candidates by id, rejections of the ineligible) when the call closes."""
    eligible = {a["applicant_id"]: a for a in applications if a["eligible"]}
    rejected = [_rejection(a, "eligibility", a["ineligible_reason"], decided_at)
                for a in applications if not a["eligible"]]
    return eligible, rejected


def qualification_outcome(candidates: dict, reviews: dict, decided_at: str) -> tuple[dict, list]:
    """(shortlist, rejections) after the qualification review and background check (资格审查)."""
    shortlist, rejected = {}, []
    for applicant_id, candidate in candidates.items():
        review = reviews.get(applicant_id) or {}
        if not review.get("background_check_passed"):
            rejected.append(_rejection(candidate, "qualification", "R-SUP-01: the background check was not passed",
                                       decided_at))
        elif not review.get("integrity_ok"):
            rejected.append(_rejection(candidate, "qualification", "R-SUP-02: integrity and standing not confirmed",
                                       decided_at))
        else:
            shortlist[applicant_id] = candidate
    return shortlist, rejected


def panel_members(panel: list) -> dict:
    """The panel as a dict by login, for the multi-instance declaration of interests."""
    if not panel:
        raise ValueError("the campaign needs a review panel")
    return {login: {"reviewer": login} for login in panel}


def panel_assignments(shortlist: dict, panel: list, declarations: dict, min_reviewers: int) -> tuple[dict, list]:
    """Who scores whom: every panel member scores every candidate, except where they declared a
    conflict of interest (回避, R-APL-07). Returns (assignments by "reviewer|applicant", exclusions)."""
    assignments, excluded = {}, []
    for applicant_id, candidate in shortlist.items():
        reviewers = []
        for login in panel:
            conflicts = (declarations.get(login) or {}).get("conflicts") or []
            if applicant_id in conflicts:
                excluded.append({"reviewer": login, "applicant_id": applicant_id, "rule": "R-APL-07"})
                continue
            reviewers.append(login)
            assignments[f"{login}|{applicant_id}"] = {"reviewer": login, "applicant_id": applicant_id,
                                                      "name": candidate.get("name")}
        if len(reviewers) < min_reviewers:
            raise ValueError(f"R-APL-07: after conflicts of interest only {len(reviewers)} reviewer(s) remain for "
                             f"{applicant_id} (at least {min_reviewers} needed): add panel members")
    return assignments, excluded


def rank_candidates(shortlist: dict, assignments: dict, scores: dict, seats: int, limits: dict,
                    decided_at: str) -> tuple[list, dict, list]:
    """Ranked selection on merit (R-SUP-01): (ranking, selected by id, rejections).

    A candidate's score is the panel's average of written and interview marks weighted by the
    branch settings; ties go to the earlier application. The best `seats` at or above the pass mark are
    selected.
    """
    weight, pass_mark = float(limit(limits, "written_weight")), float(limit(limits, "pass_mark"))
    marks: dict[str, list[float]] = {applicant_id: [] for applicant_id in shortlist}
    for key, score in scores.items():
        applicant_id = assignments[key]["applicant_id"]
        marks[applicant_id].append(weight * float(score["written"]) + (1 - weight) * float(score["interview"]))
    ordered = sorted(shortlist, key=lambda a: (-(sum(marks[a]) / len(marks[a])) if marks[a] else 0.0, a))
    ranking, selected, rejected = [], {}, []
    for place, applicant_id in enumerate(ordered, start=1):
        average = round(sum(marks[applicant_id]) / len(marks[applicant_id]), 2) if marks[applicant_id] else 0.0
        candidate = shortlist[applicant_id]
        ranking.append({"rank": place, "applicant_id": applicant_id, "name": candidate.get("name"),
                        "score": average, "reviewers": len(marks[applicant_id])})
        if average < pass_mark:
            rejected.append(_rejection(candidate, "selection", f"R-SUP-01: score {average} is below the pass mark "
                                       f"{pass_mark}", decided_at))
        elif len(selected) >= int(seats):
            rejected.append(_rejection(candidate, "selection", f"R-SUP-01: ranked {place} of {len(ordered)} with "
                                       f"{average}; {seats} seat(s)", decided_at))
        else:
            selected[applicant_id] = dict(candidate, score=average, rank=place)
    return ranking, selected, rejected


def appointable(selected: dict, trainings: dict, agreements: dict, decided_at: str) -> tuple[list, list]:
    """(appointees, rejections): only a trained candidate who signed the supervision agreement, with
    the candidate's and the employer's consent recorded, is appointed (R-SUP-02, R-SUP-03)."""
    appointees, rejected = [], []
    for applicant_id, candidate in selected.items():
        training = trainings.get(applicant_id) or {}
        agreement = agreements.get(applicant_id) or {}
        employer_needed = candidate.get("background") != NO_EMPLOYER
        if not training.get("completed"):
            reason = "R-SUP-03: the training was not completed"
        elif not agreement.get("signed"):
            reason = "R-SUP-03: the supervision agreement (监督协议) was not signed"
        elif not candidate.get("candidate_consent") or (employer_needed and not agreement.get("employer_consent")):
            reason = "R-SUP-02: the consent of the candidate and of the employer must be recorded before appointment"
        else:
            appointees.append(dict(candidate, training_hours=training.get("hours"),
                                   agreement_signed_on=agreement.get("signed_on")))
            continue
        rejected.append(_rejection(candidate, "appointment", reason, decided_at))
    return appointees, rejected


def with_appeal_deadline(rejections: list, appeal_by: str) -> list:
    """Rejections as told to the applicants: the reason and until when they may appeal (R-APL-03)."""
    return [dict(r, appeal_by=appeal_by, notified=True) for r in rejections]
