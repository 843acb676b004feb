"""The sandbox for diagrams' scripts, conditions and expressions (see `sandbox`), its bounds on
single operations (`guards`) and the clock scripts read (`clocked`)."""
from .sandbox import (BUILTINS, DEFAULT_HELPERS, GUARDS, MAX_SCRIPT_LINES, SandboxEnvironment, check_data_size,
                      check_script, compile_script)
from .script_engine import SqflowScriptEngine, make_script_engine

__all__ = ["BUILTINS", "DEFAULT_HELPERS", "GUARDS", "MAX_SCRIPT_LINES", "SandboxEnvironment", "SqflowScriptEngine", "check_data_size",
           "check_script", "compile_script", "make_script_engine"]
