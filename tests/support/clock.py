"""A controllable clock: the only fake besides the LLM server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def sleep(self, seconds: float) -> None:
        """What a loop under test calls instead of time.sleep: time passes, nothing waits."""
        self.advance(seconds=seconds)
