"""`sqflow bench engine`: durable throughput against plain SpiffWorkflow, and step cost against history.

Everything is measured side by side in one run, and reported as figures and ratios:

* instances/s of the ten-element work order (start, 3 user tasks, 3 scripts, 2 gateways, end)
  run durably on SQLite and PostgreSQL (one transaction per start or completion), and run in
  memory by plain SpiffWorkflow (parsed once, default script engine, no persistence);
* the cost of one persisted step (load, complete a task, run, save, commit) when the instance
  already holds about 10, 100 and 1000 completed tasks, with the workflow cache on and off, next
  to plain SpiffWorkflow's full serializer doing the same deserialize-complete-serialize step.
"""
from __future__ import annotations

import math
import statistics
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import event
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine import Engine, SourceFile, Settings, connect
from processes import wired_engine
from processes.demo_people import seed_groups

from .scratch import scratch_postgres

DIAGRAM = Path(__file__).resolve().parents[1] / "bpmn" / "work_order.bpmn"
START_DATA = {"description": "宽带断网 outage since 9:00", "category": "complaint"}
ANSWERS = [("sign_for", {}), ("reply", {"answer": "replaced the splitter"}), ("callback", {"reached": True})]
HISTORY_POINTS = (10, 100, 1000)
DURABLE_TARGETS = {"SQLite": 0.35, "PostgreSQL": 0.25}  # issue 22: durable / in memory, same run


@dataclass
class Backend:
    name: str
    url: str


def _plain_script_engine() -> PythonScriptEngine:
    """Plain SpiffWorkflow's script engine, given the one helper the diagram calls (the branch's numbers)."""
    numbers = Settings().branch.numbers()
    return PythonScriptEngine(environment=TaskDataEnvironment({"branch_settings": lambda: numbers}))


def _spiff_instance(spec, script_engine: PythonScriptEngine | None = None,
                    after_step: Callable[[BpmnWorkflow], object] = lambda workflow: None) -> None:
    workflow = BpmnWorkflow(spec, script_engine=script_engine or _plain_script_engine())
    workflow.task_tree.data.update(START_DATA)
    workflow.do_engine_steps()
    after_step(workflow)
    for _, data in ANSWERS:
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(**data)
        task.run()
        workflow.do_engine_steps()
        after_step(workflow)
    assert workflow.is_completed()


def spiff_saving_state_rate(count: int) -> float:
    """Plain SpiffWorkflow in memory that also writes its state as JSON after every step (sqflow's codec):
    the least any durable engine does; the ratio of this to in memory is the ceiling of a durable one."""
    from engine.runtime.codec import StateCodec

    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(DIAGRAM))
    spec, script_engine, codec = parser.get_spec("work_order"), _plain_script_engine(), StateCodec()
    began = time.perf_counter()
    for _ in range(count):
        _spiff_instance(spec, script_engine, codec.dumps)
    return count / (time.perf_counter() - began)


def spiff_in_memory_rate(count: int) -> float:
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(DIAGRAM))
    spec, script_engine = parser.get_spec("work_order"), _plain_script_engine()
    began = time.perf_counter()
    for _ in range(count):
        _spiff_instance(spec, script_engine)
    return count / (time.perf_counter() - began)


def _engine(url: str, cache_size: int = 256) -> tuple[Engine, object]:
    settings = Settings(database_url=url, workflow_cache_size=cache_size)
    engine, sessions = wired_engine(settings), connect(settings)
    with sessions.begin() as session:
        seed_groups(session, engine.clock.now())  # the groups the lanes name
        engine.definitions.deploy(session, [SourceFile(DIAGRAM.name, DIAGRAM.read_bytes())], "bench")
    return engine, sessions


def durable_rate(url: str, count: int) -> tuple[float, float]:
    """Instances/s, and SQL statements per step (a start or a completion, its commit counted)."""
    engine, sessions = _engine(url)
    statements = [0]

    def counted(*_) -> None:
        statements[0] += 1

    bind = sessions.kw["bind"]
    event.listen(bind, "before_cursor_execute", counted)
    event.listen(bind, "commit", counted)
    began = time.perf_counter()
    for _ in range(count):
        with sessions.begin() as session:
            view = engine.instances.start(session, "work_order", started_by="bench", data=START_DATA)
        for element, data in ANSWERS:
            task = next(t for t in view.open_tasks if t.element_id == element)
            with sessions.begin() as session:
                view = engine.instances.complete_task(session, task.id, by="bench", data=data)
        assert view.state == "completed"
    elapsed = time.perf_counter() - began
    event.remove(bind, "before_cursor_execute", counted)
    event.remove(bind, "commit", counted)
    return count / elapsed, statements[0] / (count * (1 + len(ANSWERS)))


def durable_step_costs(url: str, cache_size: int, samples: int = 15) -> dict[int, float]:
    """Median ms of one persisted callback step at each history size (2 completed tasks per round)."""
    engine, sessions = _engine(url, cache_size)
    with sessions.begin() as session:
        view = engine.instances.start(session, "work_order", started_by="bench", data=START_DATA)
    for element, data in ANSWERS[:2]:
        with sessions.begin() as session:
            view = engine.instances.complete_task(session, view.open_tasks[0].id, by="bench", data=data)
    completed, costs = 9, {}
    for point in HISTORY_POINTS:
        timings = []
        while completed < point + 2 * samples:
            task_id = view.open_tasks[0].id
            began = time.perf_counter()
            with sessions.begin() as session:
                view = engine.instances.complete_task(session, task_id, by="bench", data={"reached": False})
            if completed >= point:
                timings.append(time.perf_counter() - began)
            completed += 2
        costs[point] = statistics.median(timings) * 1000
    return costs


def spiff_full_serializer_step_costs(samples: int = 15) -> dict[int, float]:
    """The same step with plain SpiffWorkflow's serializer (full spec and history in every save).

    History sizes it cannot reach are missing: the loop nests the task tree one level per round
    and SpiffWorkflow stops finding the waiting task near depth 1000.
    """
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(DIAGRAM))
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    workflow = BpmnWorkflow(parser.get_spec("work_order"), script_engine=_plain_script_engine())
    workflow.task_tree.data.update(START_DATA)
    workflow.do_engine_steps()
    for element, data in ANSWERS[:2]:
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.set_data(**data)
        task.run()
        workflow.do_engine_steps()
    state = serializer.serialize_json(workflow)
    completed, costs = len(workflow.get_tasks(state=TaskState.COMPLETED)), {}
    for point in HISTORY_POINTS:
        timings = []
        while completed < point + 2 * samples:
            began = time.perf_counter()
            workflow = serializer.deserialize_json(state)
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:  # the gateway loop reached SpiffWorkflow's task look-up depth limit
                return costs
            task = ready[0]
            task.set_data(reached=False)
            task.run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
            if completed >= point:
                timings.append(time.perf_counter() - began)
            completed += 2
        costs[point] = statistics.median(timings) * 1000
    return costs


def _backends(tmp: Path, postgres_admin_url: str | None, stack: ExitStack) -> list[Backend]:
    backends = [Backend("SQLite", f"sqlite:///{tmp / 'bench.db'}")]
    if postgres_admin_url:
        backends.append(Backend("PostgreSQL", stack.enter_context(scratch_postgres(postgres_admin_url))))
    return backends


def run(count: int, tmp: Path, postgres_admin_url: str | None, echo=print) -> dict:
    """Run every measurement, print as it goes, and return the figures."""
    figures: dict = {"count": count}
    with ExitStack() as stack:
        backends = _backends(tmp, postgres_admin_url, stack)
        echo(f"work order, {count} instances each (start + 3 user tasks, 10 elements), after a warm-up:")
        spiff_in_memory_rate(max(count // 10, 5))
        memory = spiff_in_memory_rate(count)
        figures["spiff_in_memory_per_s"] = memory
        echo(f"  plain SpiffWorkflow in memory   {memory:8.0f} instances/s")
        for backend in backends:
            durable_rate(backend.url, max(count // 10, 5))
            rate, per_step = durable_rate(backend.url, count)
            # The reference measured again right after: the ratio is to the mean of the two around it,
            # so a host slowing down or speeding up meanwhile does not move it.
            after = spiff_in_memory_rate(count)
            reference = math.sqrt(memory * after)
            name = backend.name.lower()
            figures.update({f"durable_{name}_per_s": rate, f"reference_{name}_per_s": reference,
                            f"durable_{name}_ratio": rate / reference, f"statements_per_step_{name}": per_step})
            echo(f"  sqflow durable on {backend.name:<12} {rate:8.0f} instances/s   ratio to in-memory "
                 f"{rate / reference:.2f} (target {DURABLE_TARGETS[backend.name]:.2f}; in memory around it "
                 f"{reference:.0f}/s)   {per_step:.1f} statements a step, commit included")
            memory = after
        spiff_saving_state_rate(max(count // 10, 5))
        saving = spiff_saving_state_rate(count)
        after = spiff_in_memory_rate(count)
        figures["spiff_saving_state_per_s"] = saving
        figures["saving_state_ceiling"] = saving / math.sqrt(memory * after)
        echo(f"  plain SpiffWorkflow writing its state as JSON at every step {saving:8.0f} instances/s = "
             f"{figures['saving_state_ceiling']:.2f} x in memory: the ceiling of a durable engine that stores it")
        memory = after
        from .durable_floor import FLOORS, floor_rate
        echo("the floor: plain SpiffWorkflow writing the least a durable engine must, a transaction per step "
             "(bench/durable_floor.py):")
        for backend in backends:
            for key, label, bookkeeping, through_sessions in FLOORS:
                floor_rate(backend.url, max(count // 10, 5), bookkeeping, through_sessions)
                rate = floor_rate(backend.url, count, bookkeeping, through_sessions)
                after = spiff_in_memory_rate(count)
                name, ratio = backend.name.lower(), rate / math.sqrt(memory * after)
                figures[f"floor_{name}_{key}_per_s"], figures[f"floor_{name}_{key}_ratio"] = rate, ratio
                echo(f"  {backend.name:<11} {label:<47} {rate:6.0f} instances/s = {ratio:.2f} x in memory")
                memory = after
        echo("one persisted step (median ms) by completed tasks already in the instance:")
        rows = [("plain SpiffWorkflow full serializer", spiff_full_serializer_step_costs())]
        for backend in backends:
            rows.append((f"sqflow {backend.name}, cached", durable_step_costs(backend.url, 256)))
            rows.append((f"sqflow {backend.name}, reload each step", durable_step_costs(backend.url, 0)))
        echo(f"  {'':<40}" + "".join(f"{p:>9}" for p in HISTORY_POINTS) + "   1000 vs 10 (target <= 1.5)")
        for label, costs in rows:
            figures[f"step_ms {label}"] = costs
            cells = "".join(f"{costs[p]:9.2f}" if p in costs else f"{'stalls':>9}" for p in HISTORY_POINTS)
            last = max(costs)
            echo(f"  {label:<40}{cells}   {costs[last] / costs[10]:8.2f}x" + ("" if last == 1000 else f" (at {last})"))
        from .step_profile import report
        figures["step_profile_ms"] = report(backends[0].url, backends[0].name, max(count // 3, 20), echo)
    return figures
