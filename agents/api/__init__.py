"""The ingest and case API: `create_api(ApiDeps(...))`, served by `triage serve`."""

from agents.api.app import ApiDeps, create_api

__all__ = ["ApiDeps", "create_api"]
