"""The two HTTP routes that set and clear the session cookie (mounted by `server.py` through
Streamlit's `st.App`).

A page runs over a WebSocket, so a Streamlit script cannot answer an HTTP request, and an
HttpOnly cookie can only come from an HTTP response (a script's `document.cookie` cannot
write one). So, after the login form checked the password, the page hands the browser a
one-time ticket; the browser posts it here (`fetch`, same origin), and the response sets the
cookie holding the session token, which page scripts can never read:

- `POST /session/ouvrir`, body: the ticket (text). 204 and `Set-Cookie: ctg_session=…;
  HttpOnly; SameSite=Lax; Path=/` (+ `Secure` over HTTPS), or 403 when the ticket is unknown,
  used, expired, or the request does not come from the dashboard's own pages (`Origin`).
- `POST /session/fermer`, body `fin`: ends the cookie's session in the store and deletes the
  cookie (logout); body `refus`: deletes the cookie only if its session may no longer act (a
  tab that found its session ended must not end a newer login of the same browser).

Neither the ticket nor the token ever appears in a URL. The cookie has no `Max-Age`: it ends
with the browser, and the server refuses it after `Settings.session_minutes` of inactivity.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from db.store import Store
from indicators.sessions import COOKIE_NAME
from services.sessions import can_act, close_session, exchange_ticket
from services.settings import get_settings

OPEN_PATH = "/session/ouvrir"
CLOSE_PATH = "/session/fermer"
LOGOUT_BODY = "fin"  # logout: end the cookie's session, delete the cookie
REFUSED_BODY = "refus"  # a tab found its session ended: delete the cookie unless it is a newer, live one
MAX_BODY = 200  # a ticket is 43 characters

log = logging.getLogger("ctg.sessions")
_store: Store | None = None


def _the_store() -> Store:
    """This process's store for the routes (NullPool: a connection per request), migrated once."""
    global _store
    if _store is None:
        settings = get_settings()
        store = Store(settings.database_url, retry_seconds=settings.busy_timeout_seconds)
        store.migrate()
        _store = store
    return _store


def served_over_tls(scheme: str, forwarded_proto: str | None) -> bool:
    """True when the browser reached the dashboard over HTTPS: the connection's own scheme, or
    the reverse proxy's `X-Forwarded-Proto`, or `CTG_COOKIE_SECURE` forcing it either way.

    Trusting `X-Forwarded-Proto` costs nothing: a client that lies about it only changes the
    flag of its own cookie."""
    forced = get_settings().cookie_secure
    if forced is not None:
        return forced
    proto = (forwarded_proto or "").split(",")[0].strip().lower()
    return scheme == "https" or proto == "https"


def same_origin(origin: str | None, host: str | None, fetch_site: str | None) -> bool:
    """True when a request comes from the dashboard's own pages: `Sec-Fetch-Site: same-origin`,
    or an `Origin` whose host is the request's `Host` (a reverse proxy passes `Host` through)."""
    if fetch_site is not None:
        return fetch_site == "same-origin"
    if not origin or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


def routes() -> list:
    """The Starlette routes of the session cookie, for `st.App(routes=...)`."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    def answer(status: int) -> Response:
        return Response(status_code=status, headers={"Cache-Control": "no-store"})

    def from_our_pages(request: Request) -> bool:
        h = request.headers
        return same_origin(h.get("origin"), h.get("host"), h.get("sec-fetch-site"))

    async def read_body(request: Request) -> str | None:
        """The request's short text body, or None past MAX_BODY bytes."""
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return None
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return None
        return body.decode("ascii", "replace").strip()

    async def open_route(request: Request) -> Response:
        if not from_our_pages(request):
            return answer(403)
        ticket = await read_body(request)
        if ticket is None:
            return answer(413)
        token = await run_in_threadpool(exchange_ticket, _the_store(), ticket)
        if token is None:
            log.warning("Ticket de session refusé (inconnu, déjà utilisé ou expiré).")
            return answer(403)
        response = answer(204)
        response.set_cookie(
            COOKIE_NAME,
            token,
            path="/",
            httponly=True,
            samesite="lax",
            secure=served_over_tls(request.url.scheme, request.headers.get("x-forwarded-proto")),
        )
        return response

    async def close_route(request: Request) -> Response:
        if not from_our_pages(request):
            return answer(403)
        mode = await read_body(request)
        if mode not in (LOGOUT_BODY, REFUSED_BODY):
            return answer(400)
        token = request.cookies.get(COOKIE_NAME)
        if token and mode == LOGOUT_BODY:
            await run_in_threadpool(lambda: close_session(_the_store(), token=token))
        elif token and await run_in_threadpool(can_act, _the_store(), token):
            return answer(204)  # a newer login of this browser: keep it
        response = answer(204)
        response.delete_cookie(
            COOKIE_NAME,
            path="/",
            httponly=True,
            samesite="lax",
            secure=served_over_tls(request.url.scheme, request.headers.get("x-forwarded-proto")),
        )
        return response

    return [
        Route(OPEN_PATH, open_route, methods=["POST"]),
        Route(CLOSE_PATH, close_route, methods=["POST"]),
    ]
