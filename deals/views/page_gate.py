"""Who may open the explorer page: this server's own host names, with the token it printed.

The page is served on 127.0.0.1, but a web page from anywhere can still make the browser of
the person running it send requests there: a cross-site ``GET /`` (each one builds a session),
or, through DNS rebinding, a page from a name that resolves to 127.0.0.1 (a websocket whose
Origin equals its Host passes Bokeh's origin allow-list). Jupyter's answer is used here too:

- every request must name this server's own host (``127.0.0.1:PORT`` or ``localhost:PORT``)
  in its ``Host`` header, which a rebound name cannot;
- the URL the server prints carries a random token; a request without it (or the cookie the
  first good request sets) builds no session and gets ``403``;
- sessions are signed with a secret key, so a websocket cannot open a session the server did
  not hand out.

>>> gate = TokenGate("secret", port=5006)
>>> gate.allows("127.0.0.1:5006", "secret", None), gate.allows("evil.example:5006", "secret", None)
(True, False)
>>> gate.allows("localhost:5006", None, None), gate.allows("localhost:5006", None, "secret")
(False, True)
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from bokeh.server.auth_provider import AuthProvider
from tornado.web import RequestHandler
from tornado.websocket import WebSocketHandler

__all__ = ["TokenGate", "new_token", "REFUSED_PATH"]

#: Where a refused request is sent (tornado redirects there): it answers 403.
REFUSED_PATH = "/refused"


def new_token() -> str:
    """A fresh random token for one server's URL (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


class _Refused(RequestHandler):
    def get(self) -> None:
        self.set_status(403)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("chipdeals explorer: open the URL with its token, as "
                    "`chipdeals explore` printed it\n")


class TokenGate(AuthProvider):
    """A Bokeh auth provider that lets in only this server's host names with its token."""

    def __init__(self, token: str, *, port: int) -> None:
        self.token = token
        self.hosts = frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})
        self.cookie = f"chipdeals_explorer_{port}"
        super().__init__()

    def allows(self, host: str, given: str | None, cookie: str | None) -> bool:
        """Whether a request for ``host`` with URL token ``given`` and cookie ``cookie`` may in."""
        if host.lower() not in self.hosts:
            return False
        return any(v is not None and hmac.compare_digest(v.encode(), self.token.encode())
                   for v in (given, cookie))

    def _user(self, handler: RequestHandler) -> str | None:
        given = handler.get_argument("token", None)
        if not self.allows(handler.request.host, given, handler.get_cookie(self.cookie)):
            return None
        if given is not None and not isinstance(handler, WebSocketHandler):
            # later requests of this page (its websocket) carry the cookie instead of the URL
            handler.set_cookie(self.cookie, self.token, httponly=True, samesite="Strict")
        return "local"

    @property
    def get_user(self) -> Any:
        return self._user

    @property
    def login_url(self) -> str:
        return REFUSED_PATH

    @property
    def login_handler(self) -> type[RequestHandler]:
        return _Refused
