"""The observatory in the admin: one entry (« Observatoire du territoire ») whose pages are the
dashboard, the map of needs, the yearly report (ABS), the definitions and the exports."""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path

from territory.admin import report, views
from territory.admin.access import may_view
from territory.models import Observatory


@admin.register(Observatory)
class ObservatoryAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return may_view(request.user)

    def has_view_permission(self, request, obj=None):
        return may_view(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        def page(view):
            @wraps(view)
            def wrapped(request, *args, **kwargs):
                request.admin_site = self.admin_site
                if not may_view(request.user):
                    context = {**self.admin_site.each_context(request), "title": "Accès refusé"}
                    return TemplateResponse(
                        request, "admin/territory/forbidden.html", context, status=403
                    )
                return view(request, *args, **kwargs)

            return self.admin_site.admin_view(wrapped)

        return [
            path("", page(views.dashboard), name="territory_observatory_changelist"),
            path("carte/", page(views.needs_map), name="territory_map"),
            path("export/", page(views.export), name="territory_export"),
            path("rapport/", page(report.yearly_report), name="territory_report"),
            path("definition/<slug:code>/", page(views.definition), name="territory_definition"),
        ]
