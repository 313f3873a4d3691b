"""No admin page answers 500 to any demo login: each one crawls, breadth-first, every admin link
reachable from ``/admin/`` (GET only; never logout, never a form's POST), a few URLs per URL
name and query shape, and every page answers below 500, shows no traceback and is in French."""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve

from fixtures.crisis_demo import STAFF as CRISIS_STAFF
from fixtures.demo import ADMIN_USERNAME, STAFF

LOGINS = [ADMIN_USERNAME] + [row[0] for row in STAFF] + [row[0] for row in CRISIS_STAFF]
PER_SHAPE = 1  # URLs crawled per (URL name, query parameter names)
PER_NAME = 3  # and per URL name, whatever the query
MAX_PAGES = 400  # per login: a safety net, reported if reached
NEVER = ("/admin/logout/", "/admin/password_change/")
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|<title>[^<]*Error at ")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def links(page_url: str, html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        if href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        parts = urlsplit(urljoin(page_url, href))
        if parts.netloc not in ("", "testserver") or not parts.path.startswith("/admin/"):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def shape(url: str) -> tuple:
    parts = urlsplit(url)
    try:
        name = resolve(parts.path).view_name
    except Resolver404:
        name = parts.path
    return name, tuple(sorted({key for key, _ in parse_qsl(parts.query, True)}))


def check(url: str, response) -> str | None:
    """What is wrong with this answer, or None."""
    if response.status_code >= 500:
        return f"{response.status_code}"
    content_type = response.get("Content-Type", "")
    if not content_type.startswith("text/html") or response.streaming:
        return None
    body = response.content.decode("utf-8", "replace")
    if TRACEBACK.search(body):
        return "a Python traceback in the page"
    redirect = 300 <= response.status_code < 400
    if not redirect and '<html lang="fr"' not in body:
        return 'not in French (no <html lang="fr")'
    return None


def crawl(client: Client) -> tuple[list[str], int, bool]:
    seen, per_shape, per_name = set(), Counter(), Counter()
    queue, failures, pages = deque(["/admin/"]), [], 0
    while queue and pages < MAX_PAGES:
        url = queue.popleft()
        pages += 1
        try:
            response = client.get(url)
        except Exception as error:  # the view raised: what a person would see as a 500
            failures.append(f"{url} -> 500 ({type(error).__name__}: {error})")
            continue
        problem = check(url, response)
        if problem:
            failures.append(f"{url} -> {problem}")
        if response.status_code in (301, 302, 303, 307, 308):
            targets = links(url, f'<a href="{response["Location"]}">')
        elif response.status_code == 200 and response.get("Content-Type", "").startswith(
            "text/html"
        ):
            targets = links(url, response.content.decode("utf-8", "replace"))
        else:
            targets = []
        for target in targets:
            if target in seen or target.startswith(NEVER):
                continue
            seen.add(target)
            key = shape(target)
            if per_shape[key] >= PER_SHAPE or per_name[key[0]] >= PER_NAME:
                continue
            per_shape[key] += 1
            per_name[key[0]] += 1
            queue.append(target)
    return failures, pages, bool(queue)


def test_every_demo_login_is_crawled(demo_db):
    staff = set(get_user_model().objects.filter(is_staff=True).values_list("username", flat=True))
    assert staff == set(LOGINS), "a demo login is missing from the crawl (or is no longer staff)"


@pytest.mark.parametrize("username", LOGINS)
def test_no_admin_page_fails_for_the_demo_login(demo_db, username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    failures, pages, cut = crawl(client)
    assert pages > 1, f"{username}: the admin index links to nothing"
    assert not failures, f"{username} ({pages} pages):\n" + "\n".join(failures)
    assert not cut, f"{username}: more than {MAX_PAGES} pages to crawl, raise MAX_PAGES"
