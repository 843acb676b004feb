"""Prometheus metrics: figures read from the database at scrape time, and request latency.

The database figures come from a custom collector that queries when `/metrics` is scraped, so
every gunicorn worker reports the same numbers and none keeps gauges of its own. Request latency
is observed in the worker that served the request: without `PROMETHEUS_MULTIPROC_DIR` each scrape
sees only the worker it reached; with it (a writable, emptied-at-start directory shared by the
workers) prometheus-client's multiprocess mode adds up every worker's histogram.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from engine import Clock
from engine.reads import service_figures

log = logging.getLogger(__name__)
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class DatabaseCollector(Collector):
    def __init__(self, sessions: Callable[[], sessionmaker[Session]], clock: Clock):
        self._sessions = sessions
        self._clock = clock

    def describe(self) -> list[Metric]:
        return []  # nothing is collected when the collector is registered

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("sqflow_database_up", "1 when the database answered this scrape")
        try:
            with self._sessions().begin() as session:
                families = list(_figures(session, self._clock.now()))
        except Exception as exc:  # an unreachable database is reported, not raised
            log.warning("metrics: database not readable: %s", str(exc).splitlines()[0] if str(exc) else exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families


def _figures(session: Session, now: datetime) -> Iterator[Metric]:
    figures = service_figures(session, now)
    instances = GaugeMetricFamily("sqflow_instances", "Process instances by process and state",
                                  labels=["process", "state"])
    for process_id, state, count in figures.instances:
        instances.add_metric([process_id, state], count)
    yield instances
    tasks = GaugeMetricFamily("sqflow_tasks_open", "Open human tasks by candidate group", labels=["group"])
    for group, count in figures.open_tasks:
        tasks.add_metric([group], count)
    yield tasks
    yield GaugeMetricFamily("sqflow_timers_due", "Timers due but not fired yet", value=figures.timers_due)
    yield GaugeMetricFamily("sqflow_timer_lag_seconds", "Age of the oldest timer due but not fired yet",
                            value=figures.timer_lag_seconds)
    open_slas = GaugeMetricFamily("sqflow_slas_open", "Running or paused SLAs by standing", labels=["standing"])
    for name, count in figures.open_slas.items():
        open_slas.add_metric([name], count)
    yield open_slas
    yield CounterMetricFamily("sqflow_sla_warnings", "SLA warnings recorded", value=figures.sla_warnings)
    yield CounterMetricFamily("sqflow_sla_breaches", "SLA deadlines breached", value=figures.sla_breaches)
    outbox = GaugeMetricFamily("sqflow_mail_outbox", "Notification mails by state", labels=["state"])
    for state, count in figures.mails.items():
        outbox.add_metric([state], count)
    yield outbox


class RequestMetrics:
    """Request latency and counts of one app (per process unless PROMETHEUS_MULTIPROC_DIR is set)."""

    def __init__(self, collector: DatabaseCollector):
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = None if self.multiprocess else CollectorRegistry()
        self.collector = collector
        self.latency = Histogram("sqflow_http_request_duration_seconds", "Time to answer a request",
                                 ["endpoint", "method"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.requests = Counter("sqflow_http_requests", "Requests answered", ["endpoint", "method", "status"],
                                registry=self.registry)
        if self.registry is not None:
            self.registry.register(collector)

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        self.latency.labels(endpoint, method).observe(seconds)
        self.requests.labels(endpoint, method, str(status)).inc()

    def scrape_registry(self) -> CollectorRegistry:
        if self.registry is not None:
            return self.registry
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(self.collector)
        return registry
