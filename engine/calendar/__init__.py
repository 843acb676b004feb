"""The working-day calendar (工作日): the official Chinese holiday schedules, loaded per year, and the
statutory holidays known in advance. What the web app and the CLI use of it is named here."""
from .schedules import FILE_FORMAT, loaded_year, read_schedule, save_schedule
from .statutory import statutory_holidays
from .working_days import CalendarYearUnknown, package_knows

__all__ = ["CalendarYearUnknown", "FILE_FORMAT", "loaded_year", "package_knows", "read_schedule", "save_schedule",
           "statutory_holidays"]
