"""Labelled export: reviewed cases as labelled cases in the dataset format, with provenance.

The export itself is `evals.export.export_reviewed(engine, user, path_or_buffer)` (the eval suite's
code); it checks `labels.export` server-side. This page only calls it and offers the file.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import streamlit as st

from tools.store.queries import reviewed_case_count
from ui.components import show_error
from ui.services import export_labels
from ui.session import app, require_page

user = require_page("labels.export")
st.title("Labelled export")
st.markdown(
    "Reviewed cases join the case memory automatically (the graph's learn step). Here an ML owner exports "
    "them as **labelled cases** in the dataset format (one JSON object per line, redacted text, the human's "
    "final labels, and where each label came from), for the eval suite and for retraining."
)

triage = app()
reviewed, exported = reviewed_case_count(triage.engine)
c1, c2 = st.columns(2)
c1.metric("Reviewed cases", reviewed)
c2.metric("Already exported", exported)

try:
    available = hasattr(importlib.import_module("evals.export"), "export_reviewed")
except ImportError:
    available = False
if not available:
    st.warning(
        "The labelled export is not available in this build: `evals/export.py` with "
        "`export_reviewed(engine, user, path_or_buffer)` is missing. Nothing was exported."
    )

if available and st.button("Export reviewed cases", type="primary", key="export_labels"):
    out_dir = Path(triage.settings.home) / "exports"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"labelled-{triage.clock.now():%Y%m%dT%H%M%S}.jsonl"
    with st.spinner("Exporting reviewed cases ..."):
        try:
            result = export_labels(user, triage.engine, path)
        except Exception as exc:
            show_error(exc, "export the reviewed cases")
        else:
            data = path.read_bytes() if path.exists() else b""
            count = result if isinstance(result, int) else data.count(b"\n")
            if count:
                st.success(f"Exported {count} labelled case(s) to `{path}`.")
            else:
                st.info("No reviewed cases were waiting to be exported (each case is exported once).")
            st.session_state["export_file"] = (path.name, data)

if st.session_state.get("export_file"):
    name, data = st.session_state["export_file"]
    st.download_button("Download the export", data, file_name=name, mime="application/jsonl", key="export_download")
