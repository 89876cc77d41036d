"""Gzip for text answers (HTML, CSS, JavaScript, JSON) to clients that accept it.

An answer is compressed when it is a 200 of one of those types, at least ``MIN_SIZE`` bytes,
not already encoded, and the request says ``Accept-Encoding: gzip``. Every answer of those
types says ``Vary: Accept-Encoding``, compressed or not, so a shared cache keeps the two apart.
A compressed answer's strong ETag gets a ``-gzip`` suffix (the bytes differ) and the request's
conditions are evaluated again against it, so revalidation still ends in a 304.

File answers (``send_file``) are left alone except our own static files: uploads are mostly
compressed already (images, PDFs), may be large, and keep their ETag and byte ranges exactly
as ``send_file`` made them. Partial (206) answers are never compressed.

BREACH (a secret in a compressed body guessed from its length, byte by byte, while the
attacker's text is reflected next to it) is answered this way:

- The secret in every page is the CSRF token. Flask-WTF does not mask it per request, but it
  signs it with a timestamp: the signature, the part an attacker would need, changes every
  second, while the attack needs thousands of requests against one unchanging value. The
  unchanging part (the session's raw token) is useless without the signature.
- The session and remember-me cookies are ``SameSite=Lax``: another site's scripts, images
  and frames reach us without them, so an attacker cannot make a victim's browser fetch
  signed-in pages in bulk. Only top-level navigations carry them.
- As a further guard, no answer is compressed that sets a cookie, or whose session changed
  (Flask writes the session cookie after the ``after_request`` hooks, so a changed session
  stands for it): those are the answers where a new secret is issued (sign-in, sign-out,
  the first CSRF token, a password change). They are few and mostly small redirects. The
  sliding refresh of a long-lived session's cookie is not counted: it re-issues the same
  contents, and it travels in a header, which gzip does not touch.
"""

import gzip

from flask import Flask, Response, request, session

COMPRESSIBLE_TYPES = frozenset(
    {"text/html", "text/css", "text/javascript", "application/javascript", "application/json"}
)
MIN_SIZE = 500
LEVEL = 6


def init_app(app: Flask) -> None:
    """Compress answers on their way out; call first, so this hook runs after all others."""
    app.after_request(compress_response)


def compress_response(response: Response) -> Response:
    """``response`` gzipped if it should be and the client accepts it (see the module doc)."""
    if not _compressible(response):
        return response
    response.vary.add("Accept-Encoding")
    if (
        response.status_code != 200
        or (response.content_length or 0) < MIN_SIZE
        or request.accept_encodings["gzip"] <= 0
        or _issues_a_cookie(response)
    ):
        return response
    response.direct_passthrough = False  # our own static file: read it into memory
    response.set_data(gzip.compress(response.get_data(), compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    # Ranges would count the bytes of the uncompressed file; don't offer them on this one.
    response.headers.pop("Accept-Ranges", None)
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(f"{etag}-gzip")
        response.make_conditional(request)
    return response


def _compressible(response: Response) -> bool:
    if response.mimetype not in COMPRESSIBLE_TYPES or "Content-Encoding" in response.headers:
        return False
    return not response.is_streamed or request.endpoint == "static"


def _issues_a_cookie(response: Response) -> bool:
    return "Set-Cookie" in response.headers or session.modified
