"""The bench runs on a real triaged TRIAGE_HOME: the UI tests' template (seeded memory, trained reasoner)."""

from tests.ui.conftest import triaged, triaged_template  # noqa: F401  (fixtures, shared by import)
