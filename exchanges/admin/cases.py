"""Support cases of the organization. Changing or closing one goes through
``exchanges.cases.update_case`` (version bump, so the ETag changes; access-log row; outbox
event ``case.updated`` / ``case.closed``; a closed case resolves its open overlap alerts)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from consent.admin.people import gated_changelist, person_autocomplete, row_label
from exchanges import cases
from exchanges.admin.case_close import close_view
from exchanges.admin.common import page_views
from exchanges.admin.errors import add_service_error
from exchanges.admin.forms import CaseOpenForm
from exchanges.models import Case, CaseStatus
from hub.registry.admin.scoping import OrganizationScopedAdmin, actor_for_request

MASKED_OVERLAP = _(
    "Chevauchement : la personne est déjà accompagnée pour ce besoin par un autre partenaire. "
    "Demandez-lui son consentement à la coordination entre partenaires pour savoir lequel."
)
EDITABLE = ("status", "start_date", "end_date", "referent", "outcome")


class CaseForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = EDITABLE

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def _post_clean(self):
        """Validation and saving are the service's (``update_case`` in ``clean``)."""

    def clean(self):
        cleaned = super().clean()
        if self.errors or self.instance._state.adding:
            return cleaned
        changes = {name: cleaned.get(name) for name in self.changed_data if name in EDITABLE}
        for name in ("referent", "outcome"):
            if name in changes:
                changes[name] = changes[name] or ""
        if not changes:
            return cleaned
        try:
            self.instance = cases.update_case(
                actor=actor_for_request(self.request),
                case_id=self.instance.pk,
                changes=changes,
                request_id=getattr(self.request, "request_id", ""),
            )
        except cases.CaseError as exc:
            add_service_error(self, exc)
        except Case.DoesNotExist:
            self.add_error(None, _("Seule l'organisation qui accompagne peut modifier ce suivi."))
        return cleaned


@admin.register(Case)
class CaseAdmin(OrganizationScopedAdmin):
    # Changed and closed through exchanges.cases.update_case (version, access row, event).
    service_backed = True
    form = CaseForm
    list_display = (
        "person_column",
        "type",
        "organization",
        "status",
        "start_date",
        "end_date",
        "referent",
    )
    list_filter = ("type", "status")
    list_select_related = ("organization",)
    readonly_fields = ("organization", "person_column", "referral", "version", "created_at")
    fields = (
        "organization",
        "person_column",
        "type",
        "status",
        "start_date",
        "end_date",
        "referent",
        "outcome",
        "referral",
        "version",
        "created_at",
    )
    change_form_template = "admin/exchanges/case/change_form.html"
    date_hierarchy = "start_date"
    actions = ["close_selected"]

    def get_changelist(self, request, **kwargs):
        return gated_changelist(super().get_changelist(request, **kwargs), resource="case")

    def get_object(self, request, object_id, from_field=None):
        case = super().get_object(request, object_id, from_field)
        if case is not None:
            case._person_view = page_views(request, [case.beneficiary_id], resource="case").get(
                case.beneficiary_id
            )
        return case

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj is not None and not self.has_change_permission(request, obj):
            return self.fields
        return (*self.readonly_fields, "type")

    def get_fields(self, request, obj=None):
        return list(CaseOpenForm.Meta.fields) if obj is None else self.fields

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        chosen = initial.pop("beneficiary", None)
        if chosen:
            initial["beneficiary_id"] = chosen
        return initial

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if (
            case is not None
            and case.status != CaseStatus.CLOSED
            and self.has_change_permission(request, case)
        ):
            extra["close_url"] = reverse("admin:exchanges_case_close", args=[case.pk])
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self):
        view = self.admin_site.admin_view(self.persons_view)
        close = self.admin_site.admin_view(lambda request, pk: close_view(self, request, pk))
        return [
            path("personnes/", view, name="exchanges_case_persons"),
            path("<uuid:pk>/clore/", close, name="exchanges_case_close"),
            *super().get_urls(),
        ]

    def persons_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return person_autocomplete(request)

    def response_add(self, request, obj, post_url_continue=None):
        overlap = getattr(request, "_case_overlap", None)
        self.message_user(request, _("L'accompagnement a été ouvert."), messages.SUCCESS)
        if overlap is not None and overlap.exists:
            if overlap.disclosed:
                names = ", ".join(p["name"] for p in overlap.partners)
                text = _(
                    "Chevauchement : la personne est déjà accompagnée pour ce besoin par %(p)s."
                )
                self.message_user(request, text % {"p": names}, messages.WARNING)
            else:
                self.message_user(request, MASKED_OVERLAP, messages.WARNING)
        return HttpResponseRedirect(reverse("admin:exchanges_case_change", args=[obj.pk]))

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CaseOpenForm
        form = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

            def clean(self):
                cleaned = super().clean()
                request._case_overlap = getattr(self, "overlap", None)
                return cleaned

        return RequestForm

    def save_model(self, request, obj, form, change):
        """Saved by ``update_case`` in the form's validation (version, audit row, event)."""

    def save_related(self, request, form, formsets, change):
        pass

    def delete_model(self, request, obj):
        raise PermissionDenied  # a case is closed, never deleted

    def delete_queryset(self, request, queryset):
        raise PermissionDenied

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        actor = actor_for_request(request)
        return obj is None or obj.organization_id in actor.organization_ids

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("personne"))
    def person_column(self, case):
        return row_label(case)

    @admin.action(description=_("Clore les accompagnements sélectionnés"), permissions=["change"])
    def close_selected(self, request, queryset):
        actor = actor_for_request(request)
        done = 0
        for case in queryset.exclude(status=CaseStatus.CLOSED):
            try:
                cases.update_case(
                    actor=actor,
                    case_id=case.pk,
                    changes={"status": CaseStatus.CLOSED},
                    request_id=getattr(request, "request_id", ""),
                )
                done += 1
            except (cases.CaseError, Case.DoesNotExist) as exc:
                self.message_user(request, f"{case} : {exc}", messages.WARNING)
        self.message_user(request, _("%(n)d accompagnement(s) clos.") % {"n": done})

    close_selected.service_backed = True
