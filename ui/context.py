"""The one setup call every page starts with, and the cached reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from db.store import Store
from indicators.access import Actor
from indicators.catalogue import Reference, load_reference
from indicators.surveys import publishable
from services.audit import store_marker
from services.demo import has_demo
from services.reference import install_reference
from services.review import ReviewFigures, gather_review
from services.settings import get_settings
from services.values import current_values
from ui.auth import require_login


@st.cache_resource(show_spinner=False)
def get_reference() -> Reference:
    """The reference read from `seed/` once per server process."""
    return load_reference(get_settings().seed_dir)


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """The store, migrated and holding the reference (loaded at first run)."""
    settings = get_settings()
    store = Store(settings.database_url, retry_seconds=settings.busy_timeout_seconds)
    store.migrate()
    install_reference(store, get_reference(), actor="application")
    return store


@st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
def cached_values(convention: str) -> pd.DataFrame:
    """Current values of the convention as shown (cleared after every write): a baromètre
    result below its minimum sample size is withheld (indicators.surveys)."""
    return publishable(current_values(get_store(), get_reference()), get_reference())


@st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
def cached_has_demo(convention: str) -> bool:
    return has_demo(get_store(), get_reference())


@st.cache_resource(ttl=get_settings().cache_ttl_seconds, max_entries=16, show_spinner=False)
def _review_figures(convention: str, review_code: str, day: str) -> ReviewFigures:
    # A resource, not data: the figures memoise per-territory summaries as pages ask for them.
    return gather_review(get_store(), get_reference(), review_code, today=date.fromisoformat(day))


def review_figures(review_code: str) -> ReviewFigures:
    """The figures of a review (services.review), read once and shared by every page."""
    return _review_figures(get_reference().convention.code, review_code, date.today().isoformat())


def clear_caches() -> None:
    """Forget cached reads; call after a successful write."""
    st.cache_data.clear()
    _review_figures.clear()


@st.cache_resource(show_spinner=False)
def _seen_marker() -> dict:
    return {}


def forget_what_others_changed(store: Store) -> None:
    """Clear the caches when the store changed since this process last looked.

    Several app processes may share one store (PostgreSQL behind a proxy): a write clears
    the caches of the process that made it, and every other process sees the store's
    marker move at its next page run (one small query) and clears its own.
    """
    marker = store_marker(store)
    seen = _seen_marker()
    if seen.get("marker", marker) != marker:
        clear_caches()
    seen["marker"] = marker


@dataclass
class PageContext:
    store: Store
    ref: Reference
    actor: Actor  # the logged-in account: the one way a page knows who acts (setup_page stops without one)

    @property
    def convention(self) -> str:
        return self.ref.convention.code

    def values(self) -> pd.DataFrame:
        return cached_values(self.convention)


def setup_page() -> PageContext:
    """Shared setup: store, reference, login (the page stops at the login form), demo banner."""
    ref = get_reference()
    store = get_store()
    forget_what_others_changed(store)
    ctx = PageContext(store=store, ref=ref, actor=require_login(store))
    if cached_has_demo(ctx.convention):
        from ui.chrome import demo_notice

        demo_notice(ctx.actor)
    return ctx
