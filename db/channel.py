"""Through which channel the current writes come: the pages or the command line (and its system user).

Every audit row and every batch records it beside the login (`record_audit`, `write_batch`):
`canal` is `page` or `cli`, `utilisateur_systeme` the system user behind the command line,
so that `import --as marie` run by `root` is never taken for marie using the page (the
journal shows the channel in French). The command line sets it once in `cli.main`; the pages at
each run (`ui/auth.require_login`). Outside both (a script, a test) it is unset (NULL).

    >>> with acting_through(Channel.command_line("root")):
    ...     store.write(...)
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

PAGE = "page"
COMMAND_LINE = "cli"


@dataclass(frozen=True)
class Channel:
    """The way in (`page` or `cli`) and, for the command line, the system user."""

    name: str
    system_user: str | None = None

    @classmethod
    def page(cls) -> Channel:
        return cls(PAGE)

    @classmethod
    def command_line(cls, system_user: str) -> Channel:
        return cls(COMMAND_LINE, system_user)


_current: contextvars.ContextVar[Channel | None] = contextvars.ContextVar("ctg_channel", default=None)


def current_channel() -> Channel | None:
    """The channel of the writes of this thread, or None when nobody set it."""
    return _current.get()


def set_channel(channel: Channel | None) -> contextvars.Token:
    """Set the channel for this thread (the pages do it at every run); returns a reset token."""
    return _current.set(channel)


@contextlib.contextmanager
def acting_through(channel: Channel) -> Iterator[Channel]:
    """Writes inside the block are recorded as coming through `channel`."""
    token = _current.set(channel)
    try:
        yield channel
    finally:
        _current.reset(token)
