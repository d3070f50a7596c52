"""The one setup call every page starts with, and the cached reads.

A deployment serves every convention of `seed/`; each browser session shows one, chosen in the
sidebar by an account that may open several (`convention_selector`). Every cached read is
keyed by the convention's code, and `get_reference()` is the reference of the one shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from db.store import Store
from indicators.access import Actor
from indicators.catalogue import Reference
from indicators.surveys import publishable
from services.audit import store_marker
from services.demo import has_demo
from services.reference import install_reference, pick_reference, read_references
from services.review import ReviewFigures, gather_review
from services.settings import get_settings
from services.values import current_values
from ui.auth import require_login

# The convention this browser session shows (a plain key, kept across pages), and the
# selector's widget key (Streamlit forgets a widget's state on a page that does not draw it).
CONVENTION_KEY = "convention_choisie"
SELECTOR_KEY = "convention_selecteur"


@st.cache_resource(show_spinner=False)
def get_references() -> dict[str, Reference]:
    """Every convention of `seed/` by code (the real ones first), read once per server process."""
    return {ref.convention.code: ref for ref in read_references(get_settings().seed_dir)}


def reference_of(convention: str) -> Reference:
    """The reference of convention `convention`."""
    return get_references()[convention]


def current_convention() -> str:
    """The code of the convention this browser session shows (default: the first real one)."""
    refs = get_references()
    chosen = st.session_state.get(CONVENTION_KEY)
    if chosen in refs:
        return chosen
    wanted = get_settings().convention
    return wanted if wanted in refs else next(iter(refs))


def get_reference() -> Reference:
    """The reference of the convention this browser session shows."""
    return reference_of(current_convention())


@st.cache_resource(show_spinner=False)
def get_store() -> Store:
    """The store, migrated and holding every convention's reference (loaded at first run)."""
    settings = get_settings()
    store = Store(settings.database_url, retry_seconds=settings.busy_timeout_seconds)
    store.migrate()
    for ref in get_references().values():
        install_reference(store, ref, actor="application")
    return store


@st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
def cached_values(convention: str) -> pd.DataFrame:
    """Current values of the convention as shown (cleared after every write): a baromètre
    result below its minimum sample size is withheld (indicators.surveys)."""
    ref = reference_of(convention)
    return publishable(current_values(get_store(), ref), ref)


@st.cache_data(ttl=get_settings().cache_ttl_seconds, show_spinner=False)
def cached_has_demo(convention: str) -> bool:
    return has_demo(get_store(), reference_of(convention))


@st.cache_resource(ttl=get_settings().cache_ttl_seconds, max_entries=16, show_spinner=False)
def _review_figures(convention: str, review_code: str, day: str) -> ReviewFigures:
    # A resource, not data: the figures memoise per-territory summaries as pages ask for them.
    return gather_review(get_store(), reference_of(convention), review_code, today=date.fromisoformat(day))


def review_figures(review_code: str) -> ReviewFigures:
    """The figures of a review (services.review) of the convention shown, read once and shared
    by every page."""
    return _review_figures(current_convention(), review_code, date.today().isoformat())


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
    """Shared setup: store, references, login (the page stops at the login form), the convention
    shown (the sidebar's selector for an account that may open several), demo banners."""
    refs = get_references()
    store = get_store()
    forget_what_others_changed(store)
    slot = st.sidebar.container()  # the selector sits above the account's box
    actor = require_login(store, convention=st.session_state.get(CONVENTION_KEY))
    if actor.convention not in refs:
        st.error(
            f"La convention {actor.convention} n'est plus dans seed/ : adressez-vous à un administrateur.",
            icon=":material/error:",
        )
        st.stop()
    st.session_state[CONVENTION_KEY] = actor.convention
    with slot:
        convention_selector(actor, refs)
    ctx = PageContext(store=store, ref=refs[actor.convention], actor=actor)
    from ui.chrome import demo_convention_notice, demo_notice

    if ctx.ref.convention.demonstration:
        demo_convention_notice(ctx.ref)
    if cached_has_demo(ctx.convention):
        default = pick_reference(list(refs.values())).convention.code  # the command line's own
        demo_notice(ctx.actor, None if ctx.convention == default else ctx.convention)
    return ctx


def convention_selector(actor: Actor, refs: dict[str, Reference]) -> None:
    """The convention shown, chosen among those the account may open (drawn only when several)."""
    codes = [code for code in refs if code in actor.conventions]
    if len(codes) < 2:
        return

    def chosen() -> None:
        st.session_state[CONVENTION_KEY] = st.session_state[SELECTOR_KEY]

    st.session_state[SELECTOR_KEY] = actor.convention
    st.selectbox(
        "Convention",
        codes,
        key=SELECTOR_KEY,
        format_func=lambda code: refs[code].label,
        on_change=chosen,
        help="Les tableaux, les exports, le bilan, les dépôts et le journal sont ceux de la convention choisie.",
    )
