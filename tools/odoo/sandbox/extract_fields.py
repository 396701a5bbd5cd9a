"""Extract the sandbox's field tables from the recorded `fields_get` answers (a maintenance script).

    python -m tools.odoo.sandbox.extract_fields [--captures ../shared/odoo-captures]

For Odoo 17 and 18 it reads every full `fields_get` answer in odoo<v>/, odoo<v>-ops/ and
odoo<v>-ops-more/, in that order; the first answer describing a field wins (the sandbox starts in
the -ops state: e.g. `res.partner.lang` lists only en_US there, de_DE is installed later, in n66),
later folders add the fields earlier ones did not describe. It writes `data/fields-<v>.json`: for
each recorded model that `data/models.json` lists, the listed fields with the attributes the sandbox
uses (type, string, relation, required, readonly, store, selection, relation_field), exactly as the
recorded server described them. `data/models.json` says which models and fields the sandbox has,
their defaults and order, and where the sandbox deliberately differs from the recording (`set`: it
stores a few related fields Odoo computes, and lists its own mail.thread models) or has no recording
to follow (`define`: Enterprise models, and models no recording describes). Run it after adding a
recording or a field; `tests/odoo/test_sandbox_fields.py` checks the checked-in files are current.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
DATA = Path(__file__).parent / "data"
ATTRS = ("type", "string", "relation", "required", "readonly", "store", "selection", "relation_field")
FOLDERS = ("odoo{v}", "odoo{v}-ops", "odoo{v}-ops-more")
DEFAULT_CAPTURES = Path(__file__).resolve().parents[4] / "shared" / "odoo-captures"


def recorded_fields(captures: Path | str, major: int) -> dict[str, dict[str, dict[str, Any]]]:
    """model -> field -> the recorded attributes (ATTRS present in the answer), from full answers only."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for folder in FOLDERS:
        for path in sorted((Path(captures) / folder.format(v=major)).glob("*.json")):
            exchange = json.loads(path.read_text())
            body = exchange["request"]["body"]
            params = body.get("params") if isinstance(body, dict) else None
            args = (params or {}).get("args") or []
            if len(args) < 5 or args[4] != "fields_get":
                continue
            answer = exchange["response"]["body"].get("result") or {}
            for name, desc in answer.items():
                if "change_default" not in desc:  # an answer limited to some attributes
                    continue
                out.setdefault(str(args[3]), {}).setdefault(name, {a: desc[a] for a in ATTRS if a in desc})
    return out


def extract(captures: Path | str, spec: dict[str, Any], major: int) -> dict[str, dict[str, dict[str, Any]]]:
    """The part of the recordings `spec` (data/models.json) uses: its recorded models' listed fields."""
    recorded = recorded_fields(captures, major)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for model in spec["models"]:
        if not model.get("recorded"):
            continue
        fields = recorded.get(model["model"], {})
        table = {n: fields[n] for n in model["fields"] if n in fields}
        if table:
            out.setdefault(model["model"], {}).update(table)
    return out


def dump(data: Any) -> str:
    """One line per model: small diffs when a recording changes, and a file a reviewer can read."""
    lines = [f"{json.dumps(k)}: {json.dumps(v, sort_keys=True)}" for k, v in sorted(data.items())]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=Path, default=DEFAULT_CAPTURES)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    spec = json.loads((DATA / "models.json").read_text())
    for major in (17, 18):
        path = DATA / f"fields-{major}.json"
        path.write_text(dump(extract(args.captures, spec, major)))
        log.info("wrote %s", path)


if __name__ == "__main__":
    main()
