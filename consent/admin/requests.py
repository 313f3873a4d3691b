"""Cross-partner rights requests in the admin.

- ``RightsRequestAdmin``: the requests an organization made (with the progress of the other
  partners' tasks, never their names) or has a task in; the hub operator sees all.
- ``RightsTaskAdmin``: the tasks of the organizations a DPO or administrator acts for, with the
  actions that answer, erase the organization's own records, or refuse with a reason
  (``consent.rights_requests.act_on_task``: access-log row and outbox event each).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from consent.admin.common import actor_for_roles, is_dpo, is_org_admin, request_id
from consent.admin.people import gated_changelist, page_views, person_label, row_label
from consent.errors import NotVisible
from consent.models import RightsRequest, RightsTask
from consent.rights import LegalHoldActive
from consent.rights_models import TaskStatus
from consent.rights_requests import RightsError, act_on_task, requests_for
from hub.registry.admin.scoping import OrganizationScopedAdmin
from hub.registry.models import Role


def rights_actor(request):
    return actor_for_roles(request, Role.DPO, Role.ADMIN)


def may_handle(request) -> bool:
    return is_dpo(request) or is_org_admin(request)


class _ReadOnly:
    def has_module_permission(self, request):
        return may_handle(request)

    def has_view_permission(self, request, obj=None):
        return may_handle(request)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RightsRequest)
class RightsRequestAdmin(_ReadOnly, OrganizationScopedAdmin):
    list_display = ("created_at", "kind", "person_column", "requester", "status", "progress")
    list_filter = ("kind", "status")
    list_select_related = ("organization",)
    fields = (
        "kind",
        "person_column",
        "requester",
        "reason",
        "status",
        "created_at",
        "closed_at",
        "tasks_display",
    )
    readonly_fields = fields

    def scope_queryset(self, request, queryset):
        return queryset.filter(pk__in=requests_for(rights_actor(request)).values("pk")).annotate(
            task_count=Count("tasks"),
            tasks_done=Count("tasks", filter=~Q(tasks__status=TaskStatus.PENDING)),
        )

    def get_changelist(self, request, **kwargs):
        base = gated_changelist(
            super().get_changelist(request, **kwargs), resource="rights_request"
        )

        class ViewerChangeList(base):
            def get_results(self, request):
                super().get_results(request)
                orgs = set(rights_actor(request).organization_ids)
                for row in self.result_list:
                    row._viewer_orgs = orgs
                    row._operator = request.user.is_superuser

        return ViewerChangeList

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._person_view = page_views(
                request, [obj.beneficiary_id], resource="rights_request"
            ).get(obj.beneficiary_id)
            obj._viewer_orgs = set(rights_actor(request).organization_ids)
            obj._operator = request.user.is_superuser
        return obj

    @admin.display(description=_("personne"))
    def person_column(self, obj):
        return row_label(obj)

    @admin.display(description=_("organisation saisie"))
    def requester(self, obj):
        orgs = getattr(obj, "_viewer_orgs", set())
        if obj.organization_id in orgs or getattr(obj, "_operator", False):
            return obj.organization.name
        return _("Un autre partenaire")

    @admin.display(description=_("avancement"))
    def progress(self, obj):
        return _("%(done)d / %(total)d partenaire(s) ont traité la demande") % {
            "done": getattr(obj, "tasks_done", 0),
            "total": getattr(obj, "task_count", 0),
        }

    @admin.display(description=_("tâches des partenaires"))
    def tasks_display(self, obj):
        orgs = getattr(obj, "_viewer_orgs", set())
        operator = getattr(obj, "_operator", False)
        rows = []
        for number, task in enumerate(obj.tasks.select_related("organization"), start=1):
            if operator or task.organization_id in orgs:
                name = task.organization.name
            else:
                name = _("Partenaire %(n)d") % {"n": number}
            rows.append((name, task.get_status_display(), task.note or "—"))
        if not rows:
            return _("Aucun autre partenaire concerné.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{} : {} ({})</li>", rows))


class TaskActionForm(admin.helpers.ActionForm):
    note = forms.CharField(
        label=_("Réponse ou motif du refus"),
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
    )


@admin.register(RightsTask)
class RightsTaskAdmin(_ReadOnly, OrganizationScopedAdmin):
    service_backed = True  # read-only rows; its actions go through act_on_task
    list_display = (
        "request_kind",
        "person_column",
        "organization",
        "status",
        "note",
        "answered_at",
        "export_link",
    )
    list_filter = ("status",)
    action_form = TaskActionForm
    actions = ["answer", "anonymise", "refuse"]
    list_select_related = ("request", "organization")

    def scope_queryset(self, request, queryset):
        who = rights_actor(request)
        queryset = queryset.annotate(person_id=F("request__beneficiary_id"))
        if who.is_superuser:
            return queryset
        return queryset.filter(organization_id__in=who.organization_ids)

    def get_changelist(self, request, **kwargs):
        return gated_changelist(
            super().get_changelist(request, **kwargs), resource="rights_request", attr="person_id"
        )

    def has_handle_permission(self, request):
        return may_handle(request)

    @admin.display(description=_("droit exercé"))
    def request_kind(self, task):
        return task.request.get_kind_display()

    @admin.display(description=_("personne"))
    def person_column(self, task):
        return person_label(getattr(task, "_person_view", None), task.request.beneficiary_id)

    @admin.display(description=_("données de votre organisation"))
    def export_link(self, task):
        url = reverse("admin:consent_dpo_subject_access", args=[task.request.beneficiary_id])
        return format_html('<a href="{}">{}</a>', url, _("Export du droit d'accès"))

    def _act(self, request, queryset, action):
        who = rights_actor(request)
        note = request.POST.get("note", "")
        done = 0
        for task in queryset:
            try:
                act_on_task(
                    actor=who,
                    task_id=task.pk,
                    action=action,
                    note=note,
                    request_id=request_id(request),
                )
                done += 1
            except RightsError as exc:
                self.message_user(request, f"{task} : {exc.message}", messages.WARNING)
            except LegalHoldActive:
                self.message_user(
                    request,
                    _("%(task)s : effacement refusé, un gel juridique est actif.") % {"task": task},
                    messages.WARNING,
                )
            except NotVisible:
                continue
        if done:
            self.message_user(request, _("%(n)d tâche(s) traitée(s).") % {"n": done})

    @admin.action(
        description=_("Répondre (réponse transmise à la personne)"), permissions=["handle"]
    )
    def answer(self, request, queryset):
        self._act(request, queryset, "answer")

    @admin.action(
        description=_("Effacer les fiches de mon organisation (anonymisation)"),
        permissions=["handle"],
    )
    def anonymise(self, request, queryset):
        self._act(request, queryset, "anonymise")

    @admin.action(description=_("Refuser (motif requis)"), permissions=["handle"])
    def refuse(self, request, queryset):
        self._act(request, queryset, "refuse")

    # Each action goes through consent.rights_requests.act_on_task (access row and event).
    answer.service_backed = anonymise.service_backed = refuse.service_backed = True
