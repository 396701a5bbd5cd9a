"""The Odoo dispatcher inside a worker: its own loop (tools/odoo/dispatcher.py) in a thread beside the
triage loop, stopped by the same event. A systemic stop (wrong credentials, Odoo gone) is retried after
a pause instead of ending the worker; the rows stay in the outbox meanwhile."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from agents.metrics import Metrics

log = logging.getLogger(__name__)


class DispatchRunner(Protocol):
    def run(
        self,
        *,
        until_idle: bool = ...,
        idle_wait_s: float = ...,
        deadline_s: float | None = ...,
        on_row: Callable[[Any, str], None] | None = ...,
        stop: Callable[[], bool] | None = ...,
    ) -> Any: ...


class DispatchLoop:
    def __init__(
        self,
        dispatcher: DispatchRunner,
        stop: threading.Event,
        metrics: Metrics | None = None,
        idle_wait_s: float = 2.0,
        pause_after_stop_s: float = 60.0,
    ) -> None:
        self.dispatcher = dispatcher
        self.stop = stop
        self.metrics = metrics
        self.idle_wait_s = idle_wait_s
        self.pause_after_stop_s = pause_after_stop_s
        self.sent = 0
        self._thread: threading.Thread | None = None

    def _on_row(self, _row: Any, outcome: str) -> None:
        if outcome == "sent":
            self.sent += 1
        if self.metrics is not None:
            self.metrics.dispatch.labels(result=outcome).inc()

    def _loop(self) -> None:
        while not self.stop.is_set():
            try:
                report = self.dispatcher.run(
                    until_idle=False, idle_wait_s=self.idle_wait_s, on_row=self._on_row, stop=self.stop.is_set
                )
            except Exception as exc:  # the store or Odoo misbehaving: pause, then carry on
                log.warning(
                    "dispatcher loop failed (%s); retrying in %.0fs", type(exc).__name__, self.pause_after_stop_s
                )
                self.stop.wait(self.pause_after_stop_s)
                continue
            if getattr(report, "stopped", None) is not None and not self.stop.is_set():
                log.warning("dispatch stopped (%s); retrying in %.0fs", report.stopped.code, self.pause_after_stop_s)
                self.stop.wait(self.pause_after_stop_s)

    def start(self) -> DispatchLoop:
        self._thread = threading.Thread(target=self._loop, name="dispatcher", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
