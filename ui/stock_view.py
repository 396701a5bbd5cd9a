"""The replacement-stock check as the supervisor sees it (inbox and case view): per product, the free
quantity in each other warehouse against what the transfer needs, when it was read, and a link to the
transfer in Odoo. The facts come from the case's ERP context (`tools.odoo.stock`), read-only."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st


def stock_frame(stock: dict[str, Any]) -> pd.DataFrame:
    rows = [
        {
            "product": p.get("product"),
            "warehouse": w.get("warehouse"),
            "free": float(w.get("free") or 0.0),
            "needed": float(p.get("needed") or 0.0),
            "covers": "yes" if w.get("covers") else "no",
        }
        for p in stock.get("products") or []
        for w in p.get("warehouses") or []
    ]
    return pd.DataFrame(rows, columns=["product", "warehouse", "free", "needed", "covers"])


def stock_caption(stock: dict[str, Any]) -> str:
    transfer = stock.get("transfer") or {}
    name = transfer.get("name") or "transfer"
    link = f"[{name}]({transfer['url']})" if transfer.get("url") else name
    return f"Stock check of {link}, read {stock.get('read_at') or '?'} (free = on hand minus reserved)"


def show_stock(stock: dict[str, Any] | None, key: str) -> None:
    """Render the stock check; nothing when the case had none (no transfer, or it is done)."""
    if not stock:
        return
    st.markdown("**Replacement stock in other warehouses**")
    st.caption(stock_caption(stock))
    if stock.get("status") == "unknown":
        st.warning(stock.get("note") or "stock unknown")
        return
    frame = stock_frame(stock)
    if frame.empty:
        st.caption("No other warehouse holds these products.")
    else:
        st.dataframe(frame, hide_index=True, width="stretch", key=key)
    if stock.get("status") == "available":
        st.success(f"Could ship from {stock.get('summary')}")
    else:
        st.info("No other warehouse can cover the order: expedite or reroute.")
