"""The sandbox's records: in memory for speed, written through to one SQLite file under TRIAGE_HOME.

Each JSON-RPC call runs in one transaction (`begin`/`commit`/`rollback`): a call that fails leaves
nothing behind, and a call that succeeded is on disk before its answer is sent, as with Odoo and
PostgreSQL. That is what makes "the server committed, then the answer was lost" testable.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any


class SandboxState:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.lock = threading.RLock()
        self.records: dict[str, dict[int, dict[str, Any]]] = {}
        self.sequences: dict[str, int] = {}
        self.meta: dict[str, Any] = {}
        self._journal: list[tuple[str, str, int | None, Any]] | None = None
        self._dirty: set[tuple[str, int]] = set()
        self._dirty_meta: set[str] = set()
        self._dirty_seq: set[str] = set()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS records (model TEXT, id INTEGER, data TEXT, PRIMARY KEY (model, id))"
            )
            self._db.execute("CREATE TABLE IF NOT EXISTS sequences (model TEXT PRIMARY KEY, next INTEGER)")
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self._load()

    def _load(self) -> None:
        assert self._db is not None
        for model, rid, data in self._db.execute("SELECT model, id, data FROM records"):
            self.records.setdefault(model, {})[int(rid)] = json.loads(data)
        for model, nxt in self._db.execute("SELECT model, next FROM sequences"):
            self.sequences[model] = int(nxt)
        for key, value in self._db.execute("SELECT key, value FROM meta"):
            self.meta[key] = json.loads(value)

    @property
    def empty(self) -> bool:
        return not any(self.records.values())

    # ------------------------------------------------------------------ transactions
    def begin(self) -> None:
        self._journal = []
        self._dirty.clear()
        self._dirty_meta.clear()
        self._dirty_seq.clear()

    def commit(self) -> None:
        if self._db is not None and (self._dirty or self._dirty_meta or self._dirty_seq):
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                for model, rid in self._dirty:
                    rec = self.records.get(model, {}).get(rid)
                    if rec is None:
                        db.execute("DELETE FROM records WHERE model = ? AND id = ?", (model, rid))
                    else:
                        db.execute(
                            "INSERT OR REPLACE INTO records (model, id, data) VALUES (?, ?, ?)",
                            (model, rid, json.dumps(rec)),
                        )
                for model in self._dirty_seq:
                    db.execute(
                        "INSERT OR REPLACE INTO sequences (model, next) VALUES (?, ?)", (model, self.sequences[model])
                    )
                for key in self._dirty_meta:
                    db.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(self.meta[key]))
                    )
                db.execute("COMMIT")
            except Exception:
                db.execute("ROLLBACK")
                raise
        self._journal = None
        self._dirty.clear()
        self._dirty_meta.clear()
        self._dirty_seq.clear()

    def rollback(self) -> None:
        for kind, key, rid, old in reversed(self._journal or []):
            if kind == "rec":
                assert rid is not None
                if old is None:
                    self.records.get(key, {}).pop(rid, None)
                else:
                    self.records.setdefault(key, {})[rid] = old
            elif kind == "seq":
                if old is None:
                    self.sequences.pop(key, None)
                else:
                    self.sequences[key] = old
            elif kind == "meta":
                if old is None:
                    self.meta.pop(key, None)
                else:
                    self.meta[key] = old
        self._journal = None
        self._dirty.clear()
        self._dirty_meta.clear()
        self._dirty_seq.clear()

    def _note(self, kind: str, key: str, rid: int | None, old: Any) -> None:
        if self._journal is not None:
            self._journal.append((kind, key, rid, copy.deepcopy(old)))

    # ------------------------------------------------------------------ records
    def get(self, model: str, rid: int) -> dict[str, Any] | None:
        return self.records.get(model, {}).get(rid)

    def all(self, model: str) -> list[dict[str, Any]]:
        return list(self.records.get(model, {}).values())

    def next_id(self, model: str) -> int:
        current = self.sequences.get(model)
        if current is None:
            current = max(self.records.get(model, {}) or [0]) + 1
        self._note("seq", model, None, self.sequences.get(model))
        self.sequences[model] = current + 1
        self._dirty_seq.add(model)
        return current

    def set_sequence(self, model: str, next_id: int) -> None:
        """The next id `next_id(model)` gives (seeds that leave gaps, as a real database has)."""
        self._note("seq", model, None, self.sequences.get(model))
        self.sequences[model] = next_id
        self._dirty_seq.add(model)

    def put(self, model: str, record: dict[str, Any]) -> int:
        rid = int(record["id"])
        table = self.records.setdefault(model, {})
        self._note("rec", model, rid, table.get(rid))
        table[rid] = record
        if model in self.sequences and self.sequences[model] <= rid:
            self._note("seq", model, None, self.sequences[model])
            self.sequences[model] = rid + 1
            self._dirty_seq.add(model)
        self._dirty.add((model, rid))
        return rid

    def update(self, model: str, rid: int, values: dict[str, Any]) -> None:
        rec = self.records[model][rid]
        self._note("rec", model, rid, rec)
        self.records[model][rid] = {**rec, **values}
        self._dirty.add((model, rid))

    def delete(self, model: str, rid: int) -> None:
        table = self.records.get(model, {})
        if rid in table:
            self._note("rec", model, rid, table[rid])
            del table[rid]
            self._dirty.add((model, rid))

    def set_meta(self, key: str, value: Any) -> None:
        self._note("meta", key, None, self.meta.get(key))
        self.meta[key] = value
        self._dirty_meta.add(key)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
