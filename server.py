"""Entry point of the server: `streamlit run server.py` serves the dashboard (`app.py`, its
pages) and the two HTTP routes that set and clear the session cookie (`ui/session_routes.py`).

Streamlit's `st.App` (Starlette, run by uvicorn) mounts them beside its own routes; nothing
else changes. `streamlit run app.py` still serves the pages, but then a login lasts only as
long as the browser tab (no cookie can be set): use this file.
"""

import streamlit as st

from ui.session_routes import routes

app = st.App("app.py", routes=routes())
