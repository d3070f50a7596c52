"""The one setup call every page starts with, and the cached reads."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from db.observations import current_values, has_demo
from db.reference import load_reference_into
from db.store import Store
from indicators.access import Actor
from indicators.catalogue import Reference, load_reference
from services.settings import get_settings
from ui.auth import require_login


@st.cache_resource(show_spinner=False)
def get_reference() -> Reference:
    """The reference read from `seed/` once per server process."""
    return load_reference(get_settings().seed_dir)


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """The store, migrated and holding the reference (loaded at first run)."""
    store = Store(get_settings().database_url)
    store.migrate()
    load_reference_into(store, get_reference(), actor="application")
    return store


@st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
def cached_values(convention: str) -> pd.DataFrame:
    """Current values of the convention (cleared after every write)."""
    return current_values(get_store(), convention)


@st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
def cached_has_demo(convention: str) -> bool:
    return has_demo(get_store(), convention)


def clear_caches() -> None:
    """Forget cached reads; call after a successful write."""
    st.cache_data.clear()


@dataclass
class PageContext:
    store: Store
    ref: Reference
    actor: Actor | None = None  # the logged-in account (setup_page stops the page without one)

    @property
    def convention(self) -> str:
        return self.ref.convention.code

    def values(self) -> pd.DataFrame:
        return cached_values(self.convention)


def setup_page() -> PageContext:
    """Shared setup: store, reference, login (the page stops at the login form), demo banner."""
    ref = get_reference()
    store = get_store()
    ctx = PageContext(store=store, ref=ref, actor=require_login(store))
    if cached_has_demo(ctx.convention):
        from ui.chrome import demo_notice

        demo_notice(ctx.actor)
    return ctx
