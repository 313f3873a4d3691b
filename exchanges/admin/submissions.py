"""The queue of what citizens submitted on the portal, for the organization they chose.

A social worker (help requests) or an agent named by the mayor (crisis registrations) sees only
the submissions of their own organizations, in the kinds their role there handles; any other
answers 404, as a missing one. The list shows references, never names. The page of a help
request shows what the person typed (one access-log row), the match candidates computed through
the gate (only persons the worker may identify, each with its row), and the three decisions:
confirm as a new person, link to a candidate, reject with a reason, each through
``exchanges.submission_queue``. A crisis registration's page is the crisis admin's
(``crisis.portal_intake`` enters the register; exchanges never imports crisis).
"""

from __future__ import annotations

import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from consent import portal
from exchanges import submission_queue
from exchanges.models import CaseType, PortalSubmission, SubmissionKind, SubmissionStatus
from exchanges.submissions import SubmissionError
from hub.registry.admin.formats import GRADE_LABELS, format_partial_date, person_rows, score_percent
from hub.registry.admin.scoping import OrganizationScopedAdmin, actor_for_request


class PendingFirst(admin.SimpleListFilter):
    title = _("statut")
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [("tout", _("Toutes")), *SubmissionStatus.choices]

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or SubmissionStatus.PENDING) == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or SubmissionStatus.PENDING
        return queryset if value == "tout" else queryset.filter(status=value)


@admin.register(PortalSubmission)
class PortalSubmissionAdmin(OrganizationScopedAdmin):
    # Read-only rows; confirmed, linked and rejected through exchanges.submission_queue.
    service_backed = True
    list_display = ("reference", "kind", "need_column", "organization", "status", "created_at")
    list_filter = (PendingFirst, "kind")
    list_select_related = ("organization",)
    search_fields = ("reference",)
    ordering = ("created_at",)

    def scope_queryset(self, request, queryset):
        return queryset.filter(submission_queue.handled_kinds(request.user))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<uuid:pk>/confirmer/",
                view(require_POST(self.confirm_view)),
                name="exchanges_portalsubmission_confirm",
            ),
            path(
                "<uuid:pk>/rejeter/",
                view(require_POST(self.reject_view)),
                name="exchanges_portalsubmission_reject",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("aide demandée"))
    def need_column(self, submission):
        need = (submission.details or {}).get("need", "")
        return CaseType(need).label if need in CaseType.values else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        raise PermissionDenied  # written by exchanges.submission_queue, never here

    def delete_model(self, request, obj):
        raise PermissionDenied

    def delete_queryset(self, request, queryset):
        raise PermissionDenied

    def _submission(self, request, pk) -> PortalSubmission:
        if not self.has_view_permission(request):
            raise Http404
        try:
            pk = uuid.UUID(str(pk))
        except ValueError:
            raise Http404 from None
        submission = self.get_queryset(request).select_related("organization").filter(pk=pk).first()
        if submission is None:
            raise Http404
        return submission

    def change_view(self, request, object_id, form_url="", extra_context=None):
        submission = self._submission(request, object_id)
        if submission.kind == SubmissionKind.CRISIS_REGISTRATION:
            return HttpResponseRedirect(
                reverse("admin:crisis_registration_portal", args=[submission.pk])
            )
        actor = actor_for_request(request)
        found = []
        if submission.status == SubmissionStatus.PENDING:
            found = submission_queue.show(
                actor=actor, submission=submission, request_id=request.request_id
            )
        details = submission.details or {}
        need = details.get("need", "")
        contact = details.get("contact") or {}
        return TemplateResponse(
            request,
            "admin/exchanges/portalsubmission_review.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Demande {submission.reference}",
                "submission": submission,
                "pending": submission.status == SubmissionStatus.PENDING,
                "person": person_rows(submission.person),
                "details": [
                    row
                    for row in (
                        ("Aide demandée", CaseType(need).label if need in CaseType.values else ""),
                        ("Situation", details.get("situation", "")),
                        ("Courriel", contact.get("email", "")),
                        ("Téléphone", contact.get("phone", "")),
                        ("Disponibilités", details.get("availability", "")),
                    )
                    if row[1]
                ],
                "consents": [
                    (portal.purpose_label(c.purpose), c) for c in portal.consents_of(submission.pk)
                ],
                "candidates": [
                    {
                        "id": candidate.beneficiary_id,
                        "label": view.label,
                        "birth_date": format_partial_date(view.value("birth_date")),
                        "city": view.value("city"),
                        "grade": GRADE_LABELS.get(candidate.grade, candidate.grade),
                        "score": score_percent(candidate.score),
                    }
                    for candidate, view in found
                ],
                "need_label": CaseType(need).label if need in CaseType.values else "",
            },
        )

    def history_view(self, request, object_id, extra_context=None):
        self._submission(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._submission(request, object_id)
        raise PermissionDenied

    def confirm_view(self, request, pk):
        submission = self._submission(request, pk)
        target = reverse("admin:exchanges_portalsubmission_change", args=[submission.pk])
        choice = request.POST.get("beneficiary", "")
        beneficiary_id = None
        if choice:
            try:
                beneficiary_id = uuid.UUID(choice)
            except ValueError:
                messages.error(
                    request, "Choisissez une personne parmi les rapprochements proposés."
                )
                return HttpResponseRedirect(target)
        try:
            done = submission_queue.confirm_help(
                actor=actor_for_request(request),
                submission_id=submission.pk,
                beneficiary_id=beneficiary_id,
                open_case=request.POST.get("open_case") == "on",
                user=request.user,
                request_id=request.request_id,
            )
        except submission_queue.NotFound:
            raise Http404 from None
        except SubmissionError as exc:
            for error in exc.errors:
                messages.error(request, error["message"])
            return HttpResponseRedirect(target)
        messages.success(
            request,
            f"Demande {done.reference} confirmée : {done.get_status_display().lower()}.",
        )
        return HttpResponseRedirect(reverse("admin:exchanges_portalsubmission_changelist"))

    def reject_view(self, request, pk):
        submission = self._submission(request, pk)
        try:
            submission_queue.reject(
                actor=actor_for_request(request),
                submission_id=submission.pk,
                kind=submission.kind,
                reason=request.POST.get("reason", ""),
                request_id=request.request_id,
            )
        except submission_queue.NotFound:
            raise Http404 from None
        except SubmissionError as exc:
            for error in exc.errors:
                messages.error(request, error["message"])
            return HttpResponseRedirect(
                reverse("admin:exchanges_portalsubmission_change", args=[submission.pk])
            )
        messages.success(request, f"Demande {submission.reference} rejetée.")
        return HttpResponseRedirect(reverse("admin:exchanges_portalsubmission_changelist"))
