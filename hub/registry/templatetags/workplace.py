"""``{% index_tool_sections as sections %}``: the tool sections of the admin's index for the
user of the request (``hub.registry.admin.index_tools``)."""

from __future__ import annotations

from django import template

from hub.registry.admin.index_tools import tool_sections

register = template.Library()


@register.simple_tag(takes_context=True)
def index_tool_sections(context):
    request = context.get("request")
    return tool_sections(request) if request is not None else []
