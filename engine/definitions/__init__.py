"""Process definitions: BPMN, DMN and form files read and checked, deployed as versions of processes.

What the web app and the CLI use of it is named here (tests/test_architecture.py): the checks the
designer runs while a person types (a form's schema, a timer's value, a script), reading an uploaded
XML file the way the engine does, and a test run of a draft. Deploying, validating and releases are the
engine's services (`Engine.definitions`, `Engine.releases`); what is deployed is read through
`engine.reads`.
"""
from ..scripting import check_script
from .forms import is_form, read_form
from .timer_values import literal_kind as timer_literal_kind
from .timer_values import value_problem as timer_value_problem
from .trial import Trial, test_run
from .xml_guard import BPMN_NS, parse_untrusted

__all__ = ["BPMN_NS", "Trial", "check_script", "is_form", "parse_untrusted", "read_form", "test_run",
           "timer_literal_kind", "timer_value_problem"]
