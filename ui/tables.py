"""Tables shown to people (Streamlit only): every column and every header readable at 1440 px.

A short table is a real HTML table (`st.table`): it wraps long texts instead of cutting them,
never scrolls sideways at 1440 px, and a screen reader reads it as a table. A long one (more
than `max_rows` rows: the values, the commune matrix) stays an interactive `st.dataframe`
(sort, search, scroll), with headers that fit their columns.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

MAX_HTML_ROWS = 60


def show_table(
    frame: pd.DataFrame | list[dict],
    *,
    max_rows: int = MAX_HTML_ROWS,
    height: int | None = None,
    column_config: Mapping[str, object] | None = None,
    key: str | None = None,
) -> None:
    """Show a French display table: HTML when short, an interactive grid when long."""
    frame = frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)
    if len(frame) <= max_rows:
        st.table(frame.reset_index(drop=True), hide_index=True)
        return
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=height or "auto",
        column_config=dict(column_config or {}),
        key=key,
    )
