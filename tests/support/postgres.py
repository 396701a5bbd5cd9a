"""A throwaway database on the machine's local PostgreSQL server (real server, real connection)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

ADMIN_URL = os.environ.get("TRIAGE_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def postgres_available() -> bool:
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@contextmanager
def fresh_database() -> Iterator[str]:
    """Yields a SQLAlchemy URL of a new, empty database; drops it afterwards."""
    name = f"triage_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def required_database() -> Iterator[str]:
    """`fresh_database()` for a test that needs PostgreSQL: skipped without it, except in CI, where it fails."""
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432; CI needs it")
        pytest.skip("PostgreSQL not reachable")
    with fresh_database() as url:
        yield url
