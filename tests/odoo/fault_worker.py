"""A dispatcher worker process for the fault test (run with `python -m tests.odoo.fault_worker`).

argv: store_url odoo_url worker_name report_path. Runs until nothing is due for a while, then
writes its DispatchReport as JSON. The test kills some of these with SIGKILL mid-dispatch.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import timedelta

from tools.odoo.allowlist import CreatedRecords
from tools.odoo.config import OdooTarget
from tools.odoo.dispatcher import Backoff, Dispatcher
from tools.odoo.gateway import OdooGateway
from tools.store.db import make_engine

TIMEOUT_S = 0.4  # the client gives up on a call after this
IN_DOUBT_S = 1.5  # > the longest server-side delay the test injects (Odoo's request limit, scaled down)
LEASE_S = 4.0  # > IN_DOUBT_S + TIMEOUT_S: a live worker's row is never taken over


def main() -> int:
    store_url, odoo_url, name, report_path = sys.argv[1:5]
    engine = make_engine(store_url)
    target = OdooTarget.from_url(odoo_url, "sandbox", "admin", "admin", TIMEOUT_S)

    def factory(created: CreatedRecords) -> OdooGateway:
        return OdooGateway(target, created=created)

    dispatcher = Dispatcher(
        engine,
        factory,
        worker_id=name,
        lease=timedelta(seconds=LEASE_S),
        backoff=Backoff(base_s=0.1, cap_s=1.0, max_attempts=40),
        parent_wait=timedelta(seconds=0.1),
        in_doubt=timedelta(seconds=IN_DOUBT_S),
        rng=random.Random(name),
    )
    report = dispatcher.run(until_idle=True, idle_wait_s=LEASE_S + 1.0, deadline_s=170)
    with open(report_path, "w") as fh:
        json.dump(
            {
                "sent": report.sent,
                "found_existing": report.found_existing,
                "retried": report.retried,
                "needs_person": report.needs_person,
                "deferred": report.deferred,
                "errors": report.errors,
                "stopped": report.stopped.message if report.stopped else None,
            },
            fh,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
