"""Checked entry points for the admin and export pages that have no service in `agents/` yet.

Each function checks the role against `roles.yaml` itself before doing anything, so a caller that
skips the UI is refused the same way (hiding a button is not enough).
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine

from agents.app import App
from agents.state import User
from policies.roles import require

log = logging.getLogger(__name__)


class ExportUnavailable(RuntimeError):
    """`evals.export.export_reviewed` is not in this build."""


def export_labels(actor: User, engine: Engine, target: str | Path | IO[str]) -> Any:
    """Export reviewed cases as labelled cases (dataset format, with provenance); ML owners and admins."""
    require(actor.role, "labels.export", actor.username)
    try:
        export_reviewed = importlib.import_module("evals.export").export_reviewed
    except (ImportError, AttributeError) as exc:
        raise ExportUnavailable(
            "the labelled export is not available in this build: evals/export.py with "
            "export_reviewed(engine, user, path_or_buffer) is missing"
        ) from exc
    return export_reviewed(engine, actor, target)


def reprocess_quarantined(actor: User, app: App, quarantine_id: str, triage: bool = True) -> dict[str, int]:
    """Re-run a quarantined input (supervisors and admins); new cases are triaged up to review."""
    require(actor.role, "quarantine.reprocess", actor.username)
    counts = app.ingest.reprocess(quarantine_id, None)
    for case_id in counts.new_case_ids if triage else []:
        try:
            app.runner.start(case_id)
        except Exception:  # the case stays in its last status; `triage run` or a worker picks it up
            log.exception("triage after reprocessing failed for %s", case_id)
    log.info("quarantined input reprocessed: %s", counts.as_json())
    return counts.as_json()
