"""Odoo adapter: gateway (allow-listed writes), ERP reader, outbox dispatcher, check, and the sandbox.

Submodules are imported where used (no connection or client is created at import time):
tools.odoo.gateway.OdooGateway, tools.odoo.reader.OdooErpReader / make_erp_reader,
tools.odoo.payloads.build_outbox_items, tools.odoo.dispatcher.Dispatcher, tools.odoo.check.run_check,
tools.odoo.cli (odoo_check, odoo_sandbox, dispatch), tools.odoo.sandbox (serve, SandboxServer).
"""
