"""HTTP transport of webhook deliveries: keep-alive sessions pinned to the checked address.

The SSRF check (``check_target``) resolves the endpoint's host name once and answers
the address it approved; the request then goes to that address, never to a second resolution
(no DNS-rebinding window between the check and the connection). The URL keeps its host name
in the ``Host`` header and, for https, in the TLS SNI and in the certificate check, so virtual
hosts and certificates work as if the name had been resolved normally.

One ``requests.Session`` per (scheme, host, port, address): a pool of keep-alive connections
per receiver, shared by the dispatcher's threads (urllib3 pools are thread-safe), rebuilt after
a fork. A receiver whose address changes gets a new session; the old one is closed.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter


class WebhookError(Exception):
    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_target(url: str) -> str:
    """Refuse URLs that are not http(s) or resolve to a non-public address (unless allowed).

    Answers the address to connect to: the name is resolved once, here, and the delivery is
    sent to this very address (``Sessions.post``), so a second resolution cannot point
    it elsewhere."""
    allow_private = settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookError("url", "not a valid URL") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise WebhookError("url", "an absolute https:// URL is required")
    if parts.scheme == "http" and not allow_private:
        raise WebhookError("url", "https is required")
    if parts.username or parts.password:
        raise WebhookError("url", "credentials in the URL are not accepted")
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise WebhookError("url", "the host name does not resolve") from None
    if not infos:
        raise WebhookError("url", "the host name does not resolve")
    if not allow_private:
        for info in infos:
            if not _is_public(info[4][0]):
                raise WebhookError(
                    "url", "the host resolves to a private, loopback or link-local address"
                )
    return infos[0][4][0]


# Connections kept per receiver: as many as a dispatcher runs requests at once against one
# endpoint (``WEBHOOKS_PER_ENDPOINT``), so none is opened and thrown away.
def _pool_size() -> int:
    return max(1, settings.WEBHOOKS_PER_ENDPOINT)


class PinnedTLSAdapter(HTTPAdapter):
    """https to an IP address, with SNI and certificate checks on the original host name."""

    def __init__(self, hostname: str, **kwargs):
        self.hostname = hostname
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["server_hostname"] = self.hostname
        kwargs["assert_hostname"] = self.hostname
        super().init_poolmanager(*args, **kwargs)


def _netloc(address: str, port: int | None) -> str:
    host = f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
    return f"{host}:{port}" if port else host


def pinned_url(url: str, address: str) -> tuple[str, str]:
    """(URL with the host replaced by ``address``, value of the Host header)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    host_header = f"{host}:{parts.port}" if parts.port else host
    target = urlunsplit(
        (parts.scheme, _netloc(address, parts.port), parts.path or "/", parts.query, "")
    )
    return target, host_header


class Sessions:
    """The keep-alive sessions of one process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._sessions: dict[tuple, requests.Session] = {}

    def get(self, url: str, address: str) -> requests.Session:
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname, parts.port)
        with self._lock:
            if self._pid != os.getpid():  # never share sockets across a fork
                self._sessions.clear()
                self._pid = os.getpid()
            session = self._sessions.get(key)
            if session is not None and session.pinned_address == address:
                return session
            if session is not None:
                session.close()
            session = requests.Session()
            session.trust_env = False  # no proxy or netrc from the environment
            session.pinned_address = address
            adapter_kwargs = {"pool_connections": 1, "pool_maxsize": _pool_size(), "max_retries": 0}
            if parts.scheme == "https":
                session.mount("https://", PinnedTLSAdapter(parts.hostname, **adapter_kwargs))
            else:
                session.mount("http://", HTTPAdapter(**adapter_kwargs))
            self._sessions[key] = session
            return session

    def post(self, url: str, address: str, *, body: bytes, headers: dict, timeout: float):
        session = self.get(url, address)
        target, host_header = pinned_url(url, address)
        return session.post(
            target,
            data=body,
            headers={**headers, "Host": host_header},
            timeout=timeout,
            allow_redirects=False,
        )


SESSIONS = Sessions()
