"""sqflow's engine: deploy BPMN/DMN definitions and run process instances durably."""
from .clock import Clock, ManualClock, SystemClock
from .definitions.parsing import SourceFile
from .engine import Engine, connect
from .settings import Settings

__all__ = ["Clock", "Engine", "ManualClock", "Settings", "SourceFile", "SystemClock", "connect"]
