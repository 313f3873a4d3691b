"""Pytest fixtures of the FranceConnect tests: the local OpenID provider (one process for the
whole session, its SQLite migrated once) and a citizen who drives it over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.portal.oidc_provider.serve import CLIENT_SECRET, PASSWORD, USERNAME

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Provider:
    issuer: str
    log: Path
    process: subprocess.Popen

    def alive(self) -> None:
        """Fail with the provider's own words if its process is gone."""
        if self.process.poll() is not None:
            tail = self.log.read_text()[-2000:]
            pytest.fail(f"the test OpenID provider exited ({self.process.returncode}):\n{tail}")

    def hits(self, path: str) -> int:
        """How many requests the provider served for this path (from its own access log)."""
        time.sleep(0.2)  # the access line is written just after the answer
        return sum(f'"GET {path}' in line for line in self.log.read_text().splitlines())


@contextmanager
def running_provider(folder: Path, portal_base: str = "http://testserver"):
    """A provider process whose clients send people back to ``portal_base``."""
    log = folder / "access.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    command = [sys.executable, "-m", "tests.portal.oidc_provider.serve", str(folder / "db.sqlite3")]
    with log.open("w") as errors:
        process = subprocess.Popen(
            [*command, portal_base],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    watchdog = threading.Timer(60, process.kill)  # a provider that never starts fails the run
    watchdog.start()
    line = process.stdout.readline()
    watchdog.cancel()
    try:
        if not line.startswith("READY "):
            pytest.fail(f"the test OpenID provider did not start:\n{log.read_text()[-2000:]}")
        issuer = f"http://127.0.0.1:{int(line.split()[1])}/o"
        yield Provider(issuer=issuer, log=log, process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """One provider for the session (its SQLite migrated once), for Django's test client."""
    with running_provider(tmp_path_factory.mktemp("oidc-provider")) as provider:
        yield provider


def turn_on(settings, provider: Provider, client_id: str = "passerelle") -> None:
    settings.FRANCECONNECT_ENABLED = True
    settings.FRANCECONNECT_ISSUER = provider.issuer
    settings.FRANCECONNECT_CLIENT_ID = client_id
    settings.FRANCECONNECT_CLIENT_SECRET = CLIENT_SECRET


@pytest.fixture
def franceconnect_on(settings, oidc_provider):
    """FranceConnect turned on, pointing at the local provider with its nominal client."""
    oidc_provider.alive()
    turn_on(settings, oidc_provider)
    return oidc_provider


class _Form(HTMLParser):
    """The inputs of the provider's forms (hidden fields, CSRF token)."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


def _hidden_fields(html: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(html)
    return parser.fields


class Citizen:
    """A person with one browser: the portal through Django's test client (our side, in this
    process), the provider through real HTTP (a requests session keeps its cookies)."""

    def __init__(self, portal_client):
        self.portal = portal_client
        self.provider = requests.Session()

    def start(self, next_url: str = "/citoyen/registre/") -> str:
        response = self.portal.get("/citoyen/franceconnect/connexion/", {"next": next_url})
        assert response.status_code == 302, response.content
        return response["Location"]

    def authorize(self, url: str, *, allow: bool = True) -> str:
        """Log in at the provider and answer its consent page; the address it sends back to."""
        response = self.provider.get(url, allow_redirects=True, timeout=10)
        if "authorizationForm" not in response.text:  # the login page first
            fields = _hidden_fields(response.text)
            fields.update(username=USERNAME, password=PASSWORD)
            response = self.provider.post(response.url, data=fields, timeout=10)
        assert "authorizationForm" in response.text, response.text[:500]
        fields = _hidden_fields(response.text)
        if allow:
            fields["allow"] = "Authorize"
        answer = self.provider.post(response.url, data=fields, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text[:500]
        return urljoin(response.url, answer.headers["Location"])

    def back_to_portal(self, url: str):
        parts = urlsplit(url)
        assert parts.netloc == "testserver", url
        return self.portal.get(f"{parts.path}?{parts.query}")

    def login(self, next_url: str = "/citoyen/registre/"):
        return self.back_to_portal(self.authorize(self.start(next_url)))


@pytest.fixture
def citizen(client):
    return Citizen(client)
