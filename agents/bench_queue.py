"""`triage bench --queue N`: the review queue's queries on a store of N realistic cases, new path vs old.

The store is built fresh on every run, on SQLite (under TRIAGE_HOME/bench-queue) and on PostgreSQL when it
is reachable (TRIAGE_BENCH_PG_URL, default the local server's `triage_bench_queue` database, dropped and
re-created). Cases are the labelled messages of `data/` (memory seed and demo inbox) with their personal
data replaced by placeholders (their `must_redact` strings, as the redactor would), each copy with its own
reference numbers (digits re-drawn, letters and punctuation kept), statuses spread as in a store that has
run for months (most cases finished), and created over 180 days. They go in by bulk inserts through the
migrated schema, so the triggers that keep search and counts are paid as a worker pays them.

Each figure is `tools.store.queries.queue_page` (what the UI calls: rows, total and per-status counts) and,
in the same run, interleaved call by call, `queue_page_scan` (the path before migration 0006) on the same
store: p50 and p95 over RUNS calls after WARMUP calls. Read the ratios; the milliseconds move with the host.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents.settings import Settings

if TYPE_CHECKING:
    from agents.app import App

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("data/memory_seed/part_a.jsonl", "data/memory_seed/part_b.jsonl", "data/memory_seed/part_c.jsonl",
           "data/labels/inbox.jsonl")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/triage_bench_queue"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RUNS = 20
WARMUP = 2
CHUNK = 5_000
STATUS_MIX = (  # a store that has run for months: most cases are finished
    ("awaiting_review", 0.14), ("needs_classification", 0.03), ("approved", 0.03), ("dispatch_failed", 0.01),
    ("dispatched", 0.55), ("rejected", 0.08), ("closed", 0.16),
)
CARRIERS = ("DHL", "UPS", "FedEx", "Maersk", "MSC", "Hapag-Lloyd", "Kuehne+Nagel", "DSV", "XPO", "GLS", "Estes")
ASSIGNEES = (None, None, None, "cs.anna", "cs.bruno", "cs.chen", "sup.omar")
SLA_HOURS = {"P1": 2, "P2": 8, "P3": 24, "P4": 72}


@dataclass(frozen=True)
class Template:
    channel: str
    subject: str | None
    body: str
    reason: str | None
    priority: str
    refs: tuple[str, ...]  # reference values (not dates or places)


def _templates() -> list[Template]:
    from tools.references import find_references

    out: list[Template] = []
    for rel in SOURCES:
        for line in (ROOT / rel).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            expected = rec.get("expected") or {}
            subject, body = rec.get("subject"), rec.get("body") or ""
            for i, secret in enumerate(sorted(expected.get("must_redact") or [], key=len, reverse=True)):
                placeholder = f"<PERSON_{i + 1}>"
                subject = subject.replace(secret, placeholder) if subject else subject
                body = body.replace(secret, placeholder)
            refs = {
                r.value for text in (subject or "", body) for r in find_references(text)
                if r.kind not in ("date", "place")
            }
            reason = expected.get("reason")
            out.append(Template(
                channel=rec.get("channel") or "email", subject=subject, body=body,
                reason=None if reason in (None, "no_exception") and random.random() < 0.3 else reason,
                priority=expected.get("priority") or "P3", refs=tuple(sorted(refs, key=len, reverse=True)),
            ))
    return out


_DIGIT = re.compile(r"\d")


def _redraw(value: str, rnd: random.Random) -> str:
    return _DIGIT.sub(lambda _m: str(rnd.randint(0, 9)), value)


def _rows(n: int, seed: int = 16) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    rnd = random.Random(seed)
    random.seed(seed)
    templates = _templates()
    statuses = [s for s, _w in STATUS_MIX]
    weights = [w for _s, w in STATUS_MIX]
    for i in range(n):
        tpl = templates[i % len(templates)]
        subject, body, keys = tpl.subject, tpl.body, []
        for ref in tpl.refs:
            new = _redraw(ref, rnd)
            subject = subject.replace(ref, new) if subject else subject
            body = body.replace(ref, new)
            keys.append(new.lower())
        status = rnd.choices(statuses, weights)[0]
        reason = None if status == "needs_classification" else tpl.reason
        priority = tpl.priority if rnd.random() < 0.7 else rnd.choice(("P1", "P2", "P3", "P4"))
        created = NOW - timedelta(minutes=rnd.randint(1, 60 * 24 * 180))
        raw_id, case_id = f"raw-{i:08d}", f"case-{rnd.getrandbits(64):016x}"
        yield (
            {"id": raw_id, "channel": tpl.channel, "source": "bench-queue", "body": "", "payload": {},
             "fingerprint": f"{i:064d}", "created_at": created, "purge_after": created + timedelta(days=30),
             "purged_at": created + timedelta(days=30)},
            {"id": case_id, "raw_id": raw_id, "channel": tpl.channel, "status": status, "subject": subject,
             "body": body, "reference_keys": " ".join(sorted(keys)), "carrier": rnd.choice(CARRIERS),
             "reason": reason, "confidence": round(rnd.uniform(0.3, 1.0), 3), "priority": priority,
             "summary": f"{(reason or 'unclassified').replace('_', ' ')}: {(subject or body)[:80]}",
             "assignee": rnd.choice(ASSIGNEES), "sla_due": created + timedelta(hours=SLA_HOURS[priority]),
             "received_at": created, "created_at": created, "updated_at": created},
        )


def build_store(url: str, n: int, advance: Callable[[int], None]) -> Any:
    """A migrated store at `url` filled with n cases by bulk inserts; returns its engine."""
    from sqlalchemy import insert

    from tools.store import schema as t
    from tools.store.db import make_engine, migrate

    engine = make_engine(url)
    migrate(engine)
    raws: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(insert(t.raw_messages), raws)
            conn.execute(insert(t.cases), cases)
        advance(len(cases))
        raws.clear()
        cases.clear()

    for raw, case in _rows(n):
        raws.append(raw)
        cases.append(case)
        if len(cases) >= CHUNK:
            flush()
    if cases:
        flush()
    # statistics and (PostgreSQL) the visibility map, as autovacuum keeps them in a store that runs
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE")
    return engine


def _built(url: str, n: int) -> bool:
    """True when the store at `url` holds exactly n bench cases (reusable; it is migrated to head again)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            count = conn.exec_driver_sql("SELECT count(*) FROM raw_messages WHERE source = 'bench-queue'").scalar()
        return count == n
    except Exception:  # no such file, database or table: build it
        return False
    finally:
        engine.dispose()


def _sqlite(settings: Settings, n: int, reuse: bool) -> tuple[str, bool]:
    """(the bench store's URL under TRIAGE_HOME, whether it is already built)."""
    home = settings.home / "bench-queue"
    home.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{home / f'queue-{n}.sqlite'}"
    if reuse and _built(url, n):
        return url, True
    for suffix in ("", "-wal", "-shm"):
        (home / f"queue-{n}.sqlite{suffix}").unlink(missing_ok=True)
    return url, False


def _postgres(n: int, reuse: bool) -> tuple[str, bool] | None:
    """(the bench database's URL, whether it is already built), a new empty one unless reused; None when no
    server is reachable."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(os.environ.get("TRIAGE_BENCH_PG_URL", PG_URL))
    url = url.set(database=f"{url.database}_{n}")
    rendered = url.render_as_string(hide_password=False)
    if reuse and _built(rendered, n):
        return rendered, True
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    except Exception:  # not reachable, or no right to create a database: SQLite only
        return None
    finally:
        admin.dispose()
    return rendered, False


# ------------------------------------------------------------------------------------------ timing


@dataclass
class Figure:
    name: str
    new_ms: list[float] = field(default_factory=list)
    old_ms: list[float] = field(default_factory=list)
    new_total: str = ""
    old_total: str = ""

    @staticmethod
    def _p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    def as_json(self) -> dict[str, Any]:
        new_p95, old_p95 = self._p(self.new_ms, 0.95), self._p(self.old_ms, 0.95)
        return {
            "query": self.name,
            "new_p50_ms": round(statistics.median(self.new_ms), 2), "new_p95_ms": round(new_p95, 2),
            "old_p50_ms": round(statistics.median(self.old_ms), 2), "old_p95_ms": round(old_p95, 2),
            "p95_ratio_old_to_new": round(old_p95 / new_p95, 1) if new_p95 else None,
            "new_total": self.new_total, "old_total": self.old_total,
        }


def measure(engine: Any, runs: int = RUNS) -> list[Figure]:
    from sqlalchemy import select

    from tools.store import schema as t
    from tools.store.queries import QueueFilters, queue_page, queue_page_scan

    rnd = random.Random(7)
    with engine.connect() as conn:
        keys = [k for k in conn.execute(
            select(t.cases.c.reference_keys).where(t.cases.c.reference_keys != "").limit(5000)
        ).scalars()]
    refs = [k.split(" ")[0] for k in keys if k]
    page_99 = queue_page(engine, QueueFilters(), NOW, page=99, page_size=50).last_key

    def ref_search(i: int) -> QueueFilters:
        ref = rnd.choice(refs)
        # half the searches as written, half without the punctuation
        return QueueFilters(statuses=(), search=ref if i % 2 else re.sub(r"[^0-9A-Za-z]", "", ref))

    cases: list[tuple[str, Callable[[int], tuple[QueueFilters, int]]]] = [
        ("default page (review queue, page 1)", lambda i: (QueueFilters(), 1)),
        ("reference search (all statuses)", lambda i: (ref_search(i), 1)),
        ("word search 'reefer'", lambda i: (QueueFilters(search="reefer"), 1)),
        ("prefix search '1Z' (all statuses)", lambda i: (QueueFilters(statuses=(), search="1Z"), 1)),
        ("two words 'customs hold'", lambda i: (QueueFilters(search="customs hold"), 1)),
        ("filtered: reason damaged + P2", lambda i: (QueueFilters(reasons=["damaged"], priorities=["P2"]), 1)),
        ("page 100, jumped to (OFFSET)", lambda i: (QueueFilters(), 100)),
        ("page 100, next from page 99 (keyset)", lambda i: (QueueFilters(), -100)),
    ]
    figures: list[Figure] = []
    for name, make in cases:
        fig = Figure(name)
        for i in range(WARMUP + runs):
            filters, page = make(i)
            after = page_99 if page < 0 else None  # the new path pages on from page 99's last row
            page = abs(page)
            for label in ("new", "old") if i % 2 else ("old", "new"):
                start = time.perf_counter()
                if label == "new":
                    result = queue_page(engine, filters, NOW, page=page, page_size=50, after=after)
                else:
                    result = queue_page_scan(engine, filters, NOW, page=page, page_size=50)
                ms = (time.perf_counter() - start) * 1000
                if i >= WARMUP:
                    (fig.new_ms if label == "new" else fig.old_ms).append(ms)
                if label == "new":
                    fig.new_total = result.total_text
                else:
                    fig.old_total = f"{result.total:,}"
        figures.append(fig)
    return figures


def run(settings: Settings, n: int, progress: Callable[[str, int], Callable[[int], None]],
        runs: int = RUNS, reuse: bool = False, only: str | None = None) -> dict[str, Any]:
    from tools.store.db import make_engine, migrate

    results: dict[str, Any] = {"cases": n, "runs": runs, "databases": {}}
    targets = [("sqlite", _sqlite(settings, n, reuse))] if only in (None, "sqlite") else []
    pg = _postgres(n, reuse) if only in (None, "postgresql") else None
    if pg:
        targets.append(("postgresql", pg))
    elif only != "sqlite":
        results["postgresql"] = "not reachable: SQLite only"
    for name, (url, built) in targets:
        start = time.perf_counter()
        if built:
            engine = make_engine(url)
            migrate(engine)
        else:
            engine = build_store(url, n, progress(f"Building {n:,} cases on {name}", n))
        built_s = None if built else time.perf_counter() - start
        try:
            figures = measure(engine, runs)
        finally:
            engine.dispose()
        results["databases"][name] = {
            "build_s": None if built_s is None else round(built_s, 1), "figures": [f.as_json() for f in figures],
        }
    return results


def cmd_bench_queue(args: argparse.Namespace, app: App) -> int:
    from rich.table import Table

    from agents.terminal import console, out, progress_bar

    with progress_bar(transient=args.json) as bar:

        def progress(label: str, total: int) -> Callable[[int], None]:
            task = bar.add_task(label, total=total)
            return lambda k: bar.advance(task, k)

        result = run(app.settings, int(args.queue), progress, reuse=bool(getattr(args, "reuse", False)),
                     only=getattr(args, "database", None))
    if args.json:
        out.print_json(json.dumps(result))
        return 0
    for db, data in result["databases"].items():
        built = "reused" if data["build_s"] is None else f"built in {data['build_s']} s"
        table = Table(title=f"triage bench --queue {result['cases']:,}: {db} ({built}), "
                            f"ms over {result['runs']} calls, new path vs old")
        for col in ("query", "new p50", "new p95", "old p50", "old p95", "old/new p95", "total (new / old)"):
            table.add_column(col, justify="left" if col == "query" else "right")
        for f in data["figures"]:
            table.add_row(
                f["query"], f"{f['new_p50_ms']:.1f}", f"{f['new_p95_ms']:.1f}", f"{f['old_p50_ms']:.1f}",
                f"{f['old_p95_ms']:.1f}", f"{f['p95_ratio_old_to_new']}x", f"{f['new_total']} / {f['old_total']}",
            )
        out.print(table)
    if "postgresql" in result:
        console.print(f"PostgreSQL: {result['postgresql']}")
    console.print(json.dumps(result))
    return 0
