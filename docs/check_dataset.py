"""Checks a labelled dataset file against the format of DESIGN.md; prints counts. Usage: check_dataset.py FILE..."""

import collections
import json
import sys

REASONS = {"weather", "equipment_failure", "customs_hold", "address_issue", "recipient_unavailable",
           "delivery_refused", "damaged", "lost", "capacity_delay", "external_disruption",
           "customer_request", "no_exception"}
problems, counts, ids = [], collections.Counter(), set()
for path in sys.argv[1:]:
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: not JSON ({e})")
            continue
        for k in ("id", "channel", "body", "expected"):
            if k not in r:
                problems.append(f"{where}: missing key {k}")
        if r.get("id") in ids:
            problems.append(f"{where}: duplicate id {r.get('id')}")
        ids.add(r.get("id"))
        if r.get("channel") not in ("email", "portal", "document"):
            problems.append(f"{where}: bad channel {r.get('channel')}")
        exp = r.get("expected", {})
        if exp.get("reason") not in REASONS:
            problems.append(f"{where}: bad reason {exp.get('reason')}")
        if exp.get("priority") not in (None, "P1", "P2", "P3", "P4"):
            problems.append(f"{where}: bad priority {exp.get('priority')}")
        text = (r.get("subject") or "") + "\n" + (r.get("body") or "")
        for kind in ("must_redact", "must_keep"):
            for s in exp.get(kind, []):
                if s not in text:
                    problems.append(f"{where}: {kind} string not in text: {s!r}")
        counts[exp.get("reason")] += 1
print("\n".join(problems) or "no problems")
print(json.dumps(dict(sorted(counts.items())), indent=1), "total", sum(counts.values()))
sys.exit(1 if problems else 0)
