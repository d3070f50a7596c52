"""Who is acting in the pages: the logged-in account (see ui/auth.py)."""

from __future__ import annotations

from indicators.access import Actor
from ui import auth

# Only seen if a page asks before setup_page() (which stops at the login form): no rights.
ANONYMOUS = Actor(login="anonyme", role="lecteur")


def current_actor() -> Actor:
    """The logged-in account (`st.session_state["actor"]`), else an anonymous reader."""
    return auth.current_actor() or ANONYMOUS
