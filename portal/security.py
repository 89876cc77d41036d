"""Headers every response carries."""

from flask import request
from flask_login import current_user

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def init_app(app) -> None:
    """Add the security headers to every response; a header the view set itself is kept."""
    headers_for_every_response = HEADERS + ((HSTS,) if app.config["HSTS_ENABLED"] else ())

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        # One pass over the headers the view set, not a lookup of each of ours.
        already_set = {name.lower() for name, _ in headers}
        headers.extend(
            [
                (name, value)
                for name, value in headers_for_every_response
                if name.lower() not in already_set
            ]
        )
        if request.endpoint != "static" and (
            current_user.is_authenticated or response.mimetype == "text/html"
        ):
            headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        return response
