"""The statutory public holidays of a year (全体公民放假的节日), computed by the `holidays` package.

They stand in for a year whose official schedule nobody has published or loaded yet: the State
Council fixes the days (New Year 1, Spring Festival eve + 3, Qingming 1, Labour Day 2, Dragon Boat 1,
Mid-Autumn 1, National Day 3) and `holidays` computes the lunar ones. What only the yearly notice
says, the bridging days and the weekend days swapped to pay for them (调休), is not known: a deadline
counted on these days is provisional until the year's notice is loaded.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[date, str]:
    """Each statutory holiday of `year` with its Chinese name ('春节'); no observed or substituted days."""
    return dict(sorted(holidays.China(years=year, observed=False, language="zh_CN").items()))
