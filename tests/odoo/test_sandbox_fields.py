"""The sandbox's field tables are data derived from the recordings, and the sandbox stays fenced off.

- `tools/odoo/sandbox/data/fields-17.json` / `fields-18.json` are exactly what `extract_fields.py`
  extracts from the recorded `fields_get` answers today (re-run it after a recording changes);
- every field the sandbox models on a recorded model follows its recording in type, relation,
  required and selection unless data/models.json overrides it on purpose (listed here, so a new
  override is a visible change);
- no product entry point imports the sandbox at module level.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.odoo.conftest import CAPTURES, REPO, captures_dir
from tools.odoo.sandbox.extract_fields import DATA, dump, extract, recorded_fields
from tools.odoo.sandbox.models import build_models

# Where the sandbox needs another value than the recorded one (besides `store`, not compared here: it has
# no product.template and stores related fields Odoo computes): it lists its own mail.thread models.
OVERRIDES = {("mail.activity.type", "res_model", "selection")}


@pytest.mark.parametrize("major", [17, 18])
def test_checked_in_field_tables_are_extracted_from_the_recordings(major: int) -> None:
    for folder in (f"odoo{major}", f"odoo{major}-ops", f"odoo{major}-ops-more"):
        captures_dir(folder)
    spec = json.loads((DATA / "models.json").read_text())
    assert (DATA / f"fields-{major}.json").read_text() == dump(extract(CAPTURES, spec, major)), (
        "stale: run `python -m tools.odoo.sandbox.extract_fields`"
    )


@pytest.mark.parametrize("major", [17, 18])
def test_modelled_fields_follow_their_recording(major: int) -> None:
    captures_dir(f"odoo{major}-ops")
    recorded = recorded_fields(CAPTURES, major)
    spec = json.loads((DATA / "models.json").read_text())
    recorded_models = {m["model"] for m in spec["models"] if m.get("recorded")}
    differ = set()
    checked = 0
    for name, model in build_models("community", major).items():
        if name not in recorded_models:
            continue
        for fname, f in model.fields.items():
            want = recorded.get(name, {}).get(fname)
            if want is None:
                continue
            checked += 1
            mine = {"type": f.type, "relation": f.relation, "required": f.required,
                    "selection": [list(s) for s in f.selection] if f.selection is not None else None}
            for attr, value in mine.items():
                if want.get(attr) != value and not (value is None and attr not in want):
                    differ.add((name, fname, attr))
    assert checked > 250
    assert differ <= OVERRIDES, sorted(differ - OVERRIDES)


def test_product_entry_points_do_not_import_the_sandbox() -> None:
    code = (
        "import sys\n"
        "import agents.cli, agents.app, agents.decision_service, agents.demo\n"
        "import tools.odoo.reader, tools.odoo.dispatcher, tools.odoo.check, tools.odoo.cli, tools.odoo.stock\n"
        "import tools.odoo.payloads, tools.store.outbox, policies.engine, ui.stock_view\n"
        "print(sorted(m for m in sys.modules if m.startswith('tools.odoo.sandbox')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
