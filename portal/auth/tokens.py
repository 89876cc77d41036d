"""The hashes stored for the tokens of e-mailed links; the tokens themselves never are."""

import hashlib


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of ``token``."""
    return hashlib.sha256(token.encode()).hexdigest()
