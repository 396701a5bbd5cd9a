"""Odoo search domains over the sandbox's records, with Odoo's own quirks.

Supported: prefix '&', '|', '!'; operators = != < > <= >= in, not in, like, ilike, not like,
not ilike, =like, =ilike, child_of; dotted paths through many2one/one2many/many2many.
Quirk kept on purpose (recordings x10/x11): `like`/`ilike` do NOT escape `_` and `%` in the value,
so they act as SQL wildcards; `ilike` ignores case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from tools.odoo.sandbox.models import ModelSpec


class DomainError(ValueError):
    """Raised as Odoo's builtins.ValueError (e.g. "Invalid field x.y in leaf (...)")."""


OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<>",
        "<",
        ">",
        "<=",
        ">=",
        "in",
        "not in",
        "like",
        "ilike",
        "not like",
        "not ilike",
        "=like",
        "=ilike",
        "child_of",
        "parent_of",
    }
)


def leaf_repr(leaf: Any) -> str:
    return repr(tuple(leaf))


@lru_cache(maxsize=4096)
def _like_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    out = []
    for ch in pattern:
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        else:
            out.append(re.escape(ch))
    return re.compile("^" + "".join(out) + "$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


@lru_cache(maxsize=4096)
def _substring_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(re.escape(pattern), re.IGNORECASE if ignore_case else 0)


def like(value: Any, pattern: str, *, ignore_case: bool, anchored: bool = False) -> bool:
    if value is False or value is None:
        return False
    if not anchored and "%" not in pattern and "_" not in pattern:  # the common case: a plain substring
        return bool(_substring_regex(pattern, ignore_case).search(str(value)))
    full = pattern if anchored else f"%{pattern}%"
    return bool(_like_regex(full, ignore_case).match(str(value)))


Getter = Callable[[str, int], dict[str, Any] | None]
ValueOf = Callable[[str, dict[str, Any], str], Any]


class Evaluator:
    def __init__(
        self,
        models: dict[str, ModelSpec],
        get: Getter,
        parents: Callable[[str, int], list[int]],
        value_of: ValueOf,
    ) -> None:
        self.models = models
        self.get = get
        self.parents = parents  # ancestors (incl. itself) of a record through parent_id, for child_of
        self.value_of = value_of  # stored or computed value (one2many are computed from their inverse)

    def check(self, model: str, domain: list[Any]) -> None:
        """Validate fields and operators (Odoo raises before searching)."""
        for leaf in domain:
            if isinstance(leaf, str):
                if leaf not in ("&", "|", "!"):
                    raise DomainError(f"Invalid leaf {leaf!r}")
                continue
            if not isinstance(leaf, list | tuple) or len(leaf) != 3:
                raise DomainError(f"Invalid leaf {leaf!r}")
            path, op, _ = leaf
            if op not in OPERATORS:
                raise DomainError(f"Invalid leaf {leaf_repr(leaf)}")
            spec = self.models[model]
            for part in str(path).split("."):
                f = spec.fields.get(part) if part != "id" else None
                if part == "id":
                    break
                if f is None:
                    raise DomainError(f"Invalid field {spec.name}.{part} in leaf {leaf_repr(leaf)}")
                if f.relation and f.relation in self.models:
                    spec = self.models[f.relation]

    def match(self, model: str, record: dict[str, Any], domain: list[Any]) -> bool:
        if not domain:
            return True
        items = list(domain)
        pos = 0

        def parse() -> bool:
            nonlocal pos
            tok = items[pos]
            pos += 1
            if tok == "!":
                return not parse()
            if tok in ("&", "|"):
                a = parse()
                b = parse()
                return (a and b) if tok == "&" else (a or b)
            return self._leaf(model, record, tok)

        results = []
        while pos < len(items):
            results.append(parse())
        return all(results)

    def _values(self, model: str, record: dict[str, Any], path: list[str]) -> tuple[list[Any], str | None]:
        """Values at the end of a dotted path (many when a step is x2many) and the last field's type."""
        spec = self.models[model]
        name = path[0]
        if name == "id":
            return [record["id"]], "integer"
        f = spec.fields[name]
        value = self.value_of(model, record, name)
        if len(path) == 1:
            if f.type in ("one2many", "many2many"):
                return list(value or []), f.type
            return [value], f.type
        ids: list[int] = []
        if f.type == "many2one":
            ids = [value] if value else []
        elif f.type in ("one2many", "many2many"):
            ids = list(value or [])
        out: list[Any] = []
        last_type: str | None = None
        for rid in ids:
            sub = self.get(f.relation or "", rid)
            if sub is not None:
                vals, last_type = self._values(f.relation or "", sub, path[1:])
                out.extend(vals)
        return out, last_type

    def _leaf(self, model: str, record: dict[str, Any], leaf: Any) -> bool:
        path, op, value = leaf
        values, ftype = self._values(model, record, str(path).split("."))
        if op == "child_of":
            wanted = set(value if isinstance(value, list) else [value])
            spec_rel = self._relation_of(model, str(path).split("."))
            return any(v and wanted & set(self.parents(spec_rel, v)) for v in values)
        if op in ("!=", "<>", "not in", "not like", "not ilike"):
            positive = {"!=": "=", "<>": "=", "not in": "in", "not like": "like", "not ilike": "ilike"}[op]
            if not values:
                return True
            return not any(self._compare(v, positive, value, ftype) for v in values)
        if not values:
            values = [False]
        return any(self._compare(v, op, value, ftype) for v in values)

    def _relation_of(self, model: str, path: list[str]) -> str:
        spec = self.models[model]
        for part in path:
            f = spec.fields.get(part)
            if f is None or not f.relation:
                return spec.name
            spec = self.models.get(f.relation, spec)
        return spec.name

    @staticmethod
    def _compare(v: Any, op: str, value: Any, ftype: str | None) -> bool:
        if op == "=":
            if value is False or value is None:
                return v is False or v is None or v == ""
            return bool(v == value)
        if op == "in":
            seq = value if isinstance(value, list | tuple) else [value]
            return v in seq or ((v is False or v is None) and False in seq)
        if op in ("like", "ilike"):
            if value is False or value is None:
                return v is False or v is None
            return like(v, str(value), ignore_case=op == "ilike")
        if op in ("=like", "=ilike"):
            return like(v, str(value), ignore_case=op == "=ilike", anchored=True)
        if v is False or v is None:
            return False
        try:
            if op == "<":
                return bool(v < value)
            if op == ">":
                return bool(v > value)
            if op == "<=":
                return bool(v <= value)
            if op == ">=":
                return bool(v >= value)
        except TypeError:
            return False
        return False
