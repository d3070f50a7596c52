"""Tables shown to people (Streamlit only): every column and every header readable at 1440 px.

A short table is a real HTML table (`st.table`): it wraps long texts instead of cutting them,
never scrolls sideways at 1440 px, and a screen reader reads it as a table. A long one (more
than `max_rows` rows: the values, the commune matrix) stays an interactive `st.dataframe`
(sort, search, scroll), with headers that fit their columns.

`st.table` renders every cell and header as Markdown: each text goes through `ui.text.plain`
first, so a comment, a file name or an account name is shown as typed, never interpreted
(`st.dataframe` shows text as text already).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from ui.text import plain

MAX_HTML_ROWS = 60


def as_text_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose texts (cells and headers) are escaped for Markdown; numbers,
    dates and missing values unchanged."""
    out = frame.reset_index(drop=True)
    out = out.astype({c: object for c in out.columns if out[c].dtype.kind not in "biufcmM"})
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(lambda v: plain(v) if isinstance(v, str) else v)
    out.columns = [plain(c) if isinstance(c, str) else c for c in out.columns]
    return out


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
        st.table(as_text_table(frame), hide_index=True)
        return
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=height or "auto",
        column_config=dict(column_config or {}),
        key=key,
    )
