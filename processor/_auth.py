"""Bearer tokens, as both the OTLP port and the JSON API check them."""

from __future__ import annotations

import hmac


def bearer_matches(authorization: str | bytes | None, token: str) -> bool:
    """Whether an ``Authorization`` value carries ``token`` with the Bearer scheme.

    RFC 6750 (through RFC 9110) makes the scheme case-insensitive, so ``bearer`` and
    ``BEARER`` count; the token itself is compared in constant time, so an answer's
    timing says nothing about how much of a guess was right.
    """
    if authorization is None:
        return False
    raw = authorization if isinstance(authorization, bytes) else authorization.encode()
    scheme, _, credentials = raw.strip().partition(b" ")
    return scheme.lower() == b"bearer" and hmac.compare_digest(credentials.strip(), token.encode())
