"""What keeps the public forms safe: the client's address, rate limits on the cache.

Rate limits are fixed windows counted in the shared cache (Redis in production, so that every
web process counts the same): per client address for every form sent, and per e-mail or phone
for the requests that would reach it. Keys are keyed hashes, never the address or e-mail itself.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the header named by PORTAL_CLIENT_IP_HEADER when a
    reverse proxy sets it (its last value, the one the proxy added)."""
    header = settings.PORTAL_CLIENT_IP_HEADER
    if header:
        value = request.headers.get(header, "")
        if value:
            return value.split(",")[-1].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def _key(bucket: str, ident: str, window: int) -> str:
    digest = salted_hmac("portal.ratelimit", f"{bucket}:{ident}").hexdigest()[:32]
    return f"portal:rl:{bucket}:{digest}:{int(time.time() // window)}"


def _count(key: str, window: int) -> int:
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def exceeded(bucket: str, idents: list[str], limit: int) -> bool:
    """Count one hit for each identity in ``bucket``; True when any is over ``limit``."""
    window = settings.PORTAL_RATE_WINDOW_MINUTES * 60
    over = False
    for ident in idents:
        if _count(_key(bucket, ident, window), window) > limit:
            over = True
    return over


def ip_exceeded(request, form_name: str) -> bool:
    return exceeded(f"ip:{form_name}", [client_ip(request)], settings.PORTAL_RATE_PER_IP)


def addresses_exceeded(addresses: list[str]) -> bool:
    return exceeded("address", addresses, settings.PORTAL_RATE_PER_ADDRESS)
