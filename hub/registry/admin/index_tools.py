"""Sections of tools on the admin's index page (the DPO's tools, the social worker's daily
links), contributed by each app's admin package and shown only to the roles they serve."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Tool:
    label: str
    url: str
    name: str  # stable identifier for scripts and browser tests (``data-tool``)
    help: str = ""


@dataclass
class ToolSection:
    key: str
    title: str
    tools: list = field(default_factory=list)


_PROVIDERS: list[tuple[int, Callable]] = []


def register_tools(order: int):
    def decorator(provider):
        if provider not in [p for _o, p in _PROVIDERS]:
            _PROVIDERS.append((order, provider))
            _PROVIDERS.sort(key=lambda pair: pair[0])
        return provider

    return decorator


def tool_sections(request) -> list[ToolSection]:
    found = []
    for _order, provider in _PROVIDERS:
        section = provider(request)
        if section is not None and section.tools:
            found.append(section)
    return found
