"""R-MSR-01 business-hall bands and R-MSR-02 vendor assessment (pure functions, boundary cases)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from processes.complaints.assessment import (assess_departments, assess_vendor, assessment_date, band_halls,
                                             is_final, late_deduction, latest_assessment, natural_band,
                                             previous_month)


@pytest.mark.parametrize("late, deduction", [(0, 0), (1, 2), (4, 8), (5, 10), (6, 40), (30, 40)])
def test_R_MSR_02_late_work_orders_cost_two_points_each_and_more_than_five_lose_the_section(late, deduction):
    """R-MSR-02: 5 late cost 10 points, the 6th loses the whole 40-point section."""
    assert late_deduction(late) == deduction
    score = assess_vendor("network_dept", "2026-03", 40, 40 - late, 10.0)
    assert score.score == 95 - deduction
    assert score.section_lost is (late > 5)


@pytest.mark.parametrize("hours, score", [(16.99, 95), (17.0, 95), (17.01, 90), (40.0, 90)])
def test_R_MSR_02_an_average_over_17_hours_costs_five_points(hours, score):
    """R-MSR-02 / R-SLA-05: exactly 17 h is still within the limit."""
    assert assess_vendor("billing_dept", "2026-03", 3, 3, hours).score == score


def test_R_MSR_02_both_deductions_add_up_and_a_month_without_work_orders_keeps_full_marks():
    """R-MSR-02."""
    assert assess_vendor("network_dept", "2026-03", 10, 2, 18.0).score == 95 - 40 - 5
    empty = assess_vendor("wireless_dept", "2026-03", 0, 0, 0.0)
    assert (empty.score, empty.average_hours, empty.late) == (95, None, 0)
    with pytest.raises(ValueError):
        assess_vendor("x", "2026-03", 2, 3, 1.0)


def test_R_MSR_02_is_fed_from_the_department_month_figures():
    """R-MSR-02: each missed work-order SLA of a department's month counts as late."""
    @dataclass
    class Row:
        department: str
        month: str
        ended: int
        on_time: int
        average_hours: float

    scores = assess_departments([Row("billing_dept", "2026-02", 8, 5, 12.5),
                                 Row("network_dept", "2026-02", 9, 2, 20.0)])
    assert [(s.department, s.late, s.score) for s in scores] == [("billing_dept", 3, 89), ("network_dept", 7, 50)]


@pytest.mark.parametrize("today, assessed, on", [
    (date(2026, 3, 6), "2026-01", date(2026, 2, 7)),
    (date(2026, 3, 7), "2026-02", date(2026, 3, 7)),
    (date(2026, 3, 31), "2026-02", date(2026, 3, 7)),
    (date(2026, 1, 7), "2025-12", date(2026, 1, 7)),
    (date(2026, 1, 6), "2025-11", date(2025, 12, 7)),
])
def test_R_MSR_02_a_month_is_assessed_on_the_7th_of_the_next_month(today, assessed, on):
    """R-MSR-02."""
    assert latest_assessment(today) == (assessed, on)
    assert assessment_date(assessed) == on
    assert previous_month("2026-01") == "2025-12"
    assert not is_final("2026-02", date(2026, 3, 6)) and is_final("2026-02", date(2026, 3, 7))


@pytest.mark.parametrize("score, band", [(100, "excellent"), (95, "excellent"), (94.99, "good"), (90, "good"),
                                         (89.9, "compliant"), (80, "compliant"), (79.99, "failing"), (0, "failing")])
def test_R_MSR_01_band_boundaries(score, band):
    """R-MSR-01: >= 95 excellent, 90-95 good, 80-90 compliant, below failing."""
    assert natural_band(score) == band


def test_R_MSR_01_quotas_of_five_and_twenty_percent_round_down_and_the_rest_drop_by_score():
    """R-MSR-01: 20 halls allow 1 excellent and 4 good."""
    scores = {f"hall{i:02d}": 80.0 for i in range(20)}
    scores.update(hall00=99, hall01=97, hall02=96, hall03=93, hall04=92, hall05=91, hall06=70)
    bands = band_halls(scores)
    assert bands["hall00"] == "excellent"
    # 97 and 96 drop into good and outrank the 93 and 92 that scored good; 91 drops to compliant.
    assert [h for h, b in bands.items() if b == "good"] == ["hall01", "hall02", "hall03", "hall04"]
    assert bands["hall05"] == "compliant" and bands["hall06"] == "failing"
    assert list(bands.values()).count("excellent") <= 20 * 5 // 100


def test_R_MSR_01_few_halls_allow_no_excellent_and_ties_at_the_cut_all_drop():
    """R-MSR-01: 19 halls: 5 % is 0.95 hall, so none is excellent; 20 % is 3 good places."""
    scores = {f"h{i:02d}": 85.0 for i in range(19)}
    scores.update(h00=98, h01=94, h02=94, h03=94, h04=90)
    bands = band_halls(scores)
    assert bands["h00"] == "good"  # over the excellent quota, best of the good band
    # Three 94s tie for the last two good places: all three drop rather than an arbitrary pick.
    assert [bands[h] for h in ("h01", "h02", "h03", "h04")] == ["compliant"] * 4
    assert list(bands.values()).count("good") == 1


def test_R_MSR_01_within_quota_everyone_keeps_their_band_and_bad_scores_are_refused():
    """R-MSR-01."""
    scores = {f"h{i}": 85.0 for i in range(40)}
    scores.update(h0=95, h1=96, h2=90, h3=79.5)
    bands = band_halls(scores)
    assert (bands["h0"], bands["h1"], bands["h2"], bands["h3"], bands["h4"]) == (
        "excellent", "excellent", "good", "failing", "compliant")
    assert band_halls({}) == {}
    with pytest.raises(ValueError):
        band_halls({"h": 101})
    with pytest.raises(ValueError):
        band_halls({"h": "95"})
