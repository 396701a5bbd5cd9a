"""Worker and mailbox fixtures: a home with a seeded memory and a trained reasoner (the UI tests'
template, copied), a PostgreSQL database, and a real Dovecot IMAP server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.dovecot import ImapServer, dovecot_available, dovecot_server
from tests.support.postgres import required_database
from tests.ui.conftest import triaged_template  # noqa: F401  (the session fixture, shared by import)

HOME_VARS = ("TRIAGE_DATABASE_URL", "TRIAGE_CHECKPOINT_URL", "ODOO_URL", "TRIAGE_REASONER", "TRIAGE_IMAP_URL")


def fresh_worker_home(template: Path, target: Path) -> Path:
    """The template's memory and trained reasoner, with an empty store and no checkpoints."""
    target.mkdir(parents=True)
    for name in ("memory", "models"):
        shutil.copytree(template / name, target / name)
    return target


@pytest.fixture
def worker_home(
    triaged_template: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> Path:
    home = fresh_worker_home(triaged_template[0], tmp_path / "home")
    monkeypatch.setenv("TRIAGE_HOME", str(home))
    for var in HOME_VARS:
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def pg_url() -> Iterator[str]:
    with required_database() as url:
        yield url


@pytest.fixture
def imap_server() -> Iterator[ImapServer]:
    if not dovecot_available():
        if os.environ.get("CI"):
            pytest.fail("dovecot is not installed; `make imap` installs it")
        pytest.skip("dovecot not installed (make imap)")
    with dovecot_server() as server:
        yield server
