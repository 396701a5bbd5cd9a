"""Shared fixtures: a fresh TRIAGE_HOME per test, real SQLite and PostgreSQL stores, a fake clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import pytest
from sqlalchemy import Engine

from agents.settings import Settings
from tests.support.clock import FakeClock
from tests.support.postgres import required_database
from tools.store.cases import CaseStore
from tools.store.db import make_engine, migrate

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("TRIAGE_HOME", str(path))
    for var in ("TRIAGE_DATABASE_URL", "TRIAGE_CHECKPOINT_URL", "ODOO_URL", "TRIAGE_REASONER"):
        monkeypatch.delenv(var, raising=False)
    return path


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    with required_database() as url:
        yield url


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    engine = make_engine(store_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> CaseStore:
    return CaseStore(engine)
