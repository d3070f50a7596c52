"""Who is acting in the pages (until the accounts are wired: an administrator)."""

from __future__ import annotations

import streamlit as st

from indicators.access import Actor

# Used only while no login is in the session; the accounts module replaces this fallback.
DEFAULT_ACTOR = Actor(login="administrateur", role="administrateur")


def current_actor() -> Actor:
    """The Actor of the session (`st.session_state["actor"]`), else an administrator."""
    actor = st.session_state.get("actor")
    return actor if isinstance(actor, Actor) else DEFAULT_ACTOR
