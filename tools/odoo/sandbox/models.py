"""The models the sandbox knows, with field definitions taken from the recorded servers.

The tables are data, not code: `data/models.json` lists the models and fields the sandbox has (only
what the gateway, the ERP reader and the recordings use), their defaults, order and display field, and
`data/fields-17.json` / `data/fields-18.json` hold those fields' attributes exactly as the recorded
Odoo 17 / 18 servers (OCA helpdesk_mgmt) answered `fields_get`, extracted by `extract_fields.py`.
Where the sandbox deliberately differs from a recording, models.json says so per field (`set`: e.g.
it stores a related value Odoo computes); models and fields no recording describes (the Enterprise
helpdesk and approvals, mail.message, stock.location ...) are written out there (`define`), following
Odoo's own field names. Odoo 19 (not recorded) uses the 18 tables plus the per-field `majors` limits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

Edition = Literal["community", "enterprise"]
DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class F:
    type: str
    string: str
    relation: str | None = None
    required: bool = False
    readonly: bool = False
    store: bool = True
    selection: tuple[tuple[str, str], ...] | None = None
    relation_field: str | None = None  # one2many inverse
    default: Any = None


@dataclass
class ModelSpec:
    name: str
    description: str
    fields: dict[str, F]
    order: str = "id"
    rec_name: str = "name"
    has_mail: bool = False  # mail.thread: message_post, activities, followers


@cache
def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _version_key(major: int) -> int:
    return 17 if major <= 17 else 18 if major == 18 else 19


def _field(attrs: dict[str, Any], default: Any) -> F:
    selection = attrs.get("selection")
    return F(
        type=attrs["type"],
        string=attrs["string"],
        relation=attrs.get("relation"),
        required=bool(attrs.get("required", False)),
        readonly=bool(attrs.get("readonly", False)),
        store=bool(attrs.get("store", True)),
        selection=tuple((str(k), str(v)) for k, v in selection) if selection is not None else None,
        relation_field=attrs.get("relation_field"),
        default=default,
    )


def build_models(edition: Edition, major: int) -> dict[str, ModelSpec]:
    """The sandbox's models for one edition and version, from data/ (fresh objects on every call)."""
    key = _version_key(major)
    recorded: dict[str, dict[str, dict[str, Any]]] = _load(f"fields-{min(key, 18)}.json")
    specs: dict[str, ModelSpec] = {}
    for model in _load("models.json")["models"]:
        if edition not in model["editions"] or key not in model.get("majors", (17, 18, 19)):
            continue
        name = model["model"]
        fields: dict[str, F] = {}
        for fname, entry in model["fields"].items():
            if key not in entry.get("majors", (17, 18, 19)) or edition not in entry.get("editions", (edition,)):
                continue
            variant = entry["by_major"].get(str(key), {}) if "by_major" in entry else entry
            if "define" in variant:
                attrs = dict(variant["define"])
            else:
                attrs = {**recorded[name][fname], **variant.get("set", {})}
            fields[fname] = _field(attrs, entry.get("default"))
        specs[name] = ModelSpec(
            name, model["description"], fields, model["order"], model["rec_name"], model["has_mail"]
        )
    return specs


def fields_get(
    spec: ModelSpec, major: int, allfields: list[str] | None, attributes: list[str] | None
) -> dict[str, Any]:
    """The `fields_get` answer: full descriptions, or only the asked attributes (as Odoo does)."""
    out: dict[str, Any] = {}
    for name, f in spec.fields.items():
        if allfields and name not in allfields:
            continue
        desc: dict[str, Any] = {
            "change_default": False,
            "company_dependent": False,
            "default_export_compatible": False,
            "depends": [],
            "exportable": True,
            "manual": False,
            "name": name,
            "readonly": f.readonly,
            "required": f.required,
            "searchable": f.store,
            "sortable": f.store and f.type not in ("one2many", "many2many", "html"),
            "store": f.store,
            "string": f.string,
            "type": f.type,
        }
        if major >= 18:
            desc["groupable"] = f.store and f.type not in ("one2many", "many2many", "html", "text")
        if f.type in ("char", "text", "html"):
            desc["translate"] = False
            if f.type == "char":
                desc["trim"] = True
        if f.relation:
            desc["relation"] = f.relation
            desc["context"] = {}
            desc["domain"] = []
            if major >= 18:
                desc["allow_hierachy_operators"] = f.relation == spec.name
        if f.relation_field:
            desc["relation_field"] = f.relation_field
        if f.selection is not None:
            desc["selection"] = [list(s) for s in f.selection]
        if attributes:
            desc = {k: v for k, v in desc.items() if k in attributes}
        out[name] = desc
    return out
