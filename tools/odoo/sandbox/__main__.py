"""`python -m tools.odoo.sandbox --port 8069 --home var --edition community --version 17.0` (also for tests)."""

from __future__ import annotations

import argparse
import contextlib
import logging
from pathlib import Path

from tools.odoo.sandbox import DEFAULT_DB, serve


def main() -> None:
    parser = argparse.ArgumentParser(description="Odoo JSON-RPC sandbox (an emulator, not a real Odoo)")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--home", type=Path, default=Path("var"))
    parser.add_argument("--edition", choices=["community", "enterprise"], default="community")
    parser.add_argument("--version", default="17.0")
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--scenario", choices=["ops", "ops-more"], default="ops-more")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.port, args.home, args.edition, version=args.version, db=args.db, scenario=args.scenario)


if __name__ == "__main__":
    main()
