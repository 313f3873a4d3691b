"""The register in the admin, for the agents named by the mayor: list, new entry (the same
service as the API and the citizen portal), acknowledge a request, end an entry, the printable
information notice, the requests received from the citizen portal (``crisis.admin.portal``). Persons are read through ``crisis.register`` (purpose ``crisis_plan``)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from crisis import disclosure, register
from crisis.admin import portal
from crisis.admin.common import CrisisAdminMixin, WritesThroughServices, actor_of
from crisis.admin.forms import EndForm, RegistrationForm
from crisis.errors import CrisisError, NotFound
from crisis.models import Registration
from crisis.vocab import RegistrationStatus

PAGE = 50


@admin.register(Registration)
class RegistrationAdmin(WritesThroughServices, CrisisAdminMixin, admin.ModelAdmin):
    # Every write goes through crisis.register from this admin's own views.

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:pk>/notice/", view(self.notice_view), name="crisis_registration_notice"),
            path(
                "<uuid:pk>/acknowledge/",
                view(require_POST(self.acknowledge_view)),
                name="crisis_registration_acknowledge",
            ),
            path(
                "<uuid:pk>/end/", view(require_POST(self.end_view)), name="crisis_registration_end"
            ),
            # Requests from the citizen portal (the queue is the exchanges admin's).
            path(
                "portail/<uuid:pk>/",
                view(lambda request, pk: portal.detail_view(self, request, pk)),
                name="crisis_registration_portal",
            ),
            path(
                "portail/<uuid:pk>/inscrire/",
                view(require_POST(lambda request, pk: portal.confirm_view(self, request, pk))),
                name="crisis_registration_portal_confirm",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise Http404
        actor = actor_of(request)
        status = request.GET.get("status", RegistrationStatus.ACTIVE)
        if status not in RegistrationStatus.values:
            status = RegistrationStatus.ACTIVE
        rows = disclosure.register_of(actor).filter(status=status).order_by("created_at", "id")
        page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
        entries = list(page.object_list)
        if status == RegistrationStatus.PENDING:
            shown = disclosure.disclose_requests(actor=actor, registrations=entries)
        elif status == RegistrationStatus.ACTIVE:
            shown = disclosure.disclose(actor=actor, registrations=entries, purpose="crisis_plan")
        else:
            shown = []  # ended entries hold no personal data any more
        visible = {entry.pk for entry in shown}
        return self.page(
            request,
            "register_list.html",
            "Registre des personnes vulnérables (CASF L121-6-1)",
            rows=[(entry, entry.pk in visible) for entry in entries],
            page_obj=page,
            status=status,
            statuses=RegistrationStatus.choices,
            can_add=self.has_add_permission(request),
        )

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise Http404
        form = RegistrationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                entry = register.register_person(
                    actor=actor_of(request), request_id=request.request_id, **form.service_kwargs()
                )
            except CrisisError as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, "La personne est inscrite au registre.")
                if entry.status == RegistrationStatus.PENDING:
                    messages.info(
                        request,
                        f"Demande d'un tiers : accusé de réception à envoyer avant le "
                        f"{entry.acknowledgment_due:%d/%m/%Y}.",
                    )
                return HttpResponseRedirect(
                    reverse("admin:crisis_registration_change", args=[entry.pk])
                )
        return self.page(request, "registration_form.html", "Nouvelle inscription", form=form)

    def _entry(self, request, pk):
        actor = actor_of(request)
        entry = get_object_or_404(disclosure.register_of(actor), pk=pk)
        if entry.status == RegistrationStatus.PENDING:
            shown = disclosure.disclose_requests(actor=actor, registrations=[entry])
        else:
            shown = disclosure.disclose(actor=actor, registrations=[entry], purpose="crisis_plan")
        return entry, bool(shown)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise Http404
        entry, visible = self._entry(request, object_id)
        return self.page(
            request,
            "registration_detail.html",
            str(entry),
            entry=entry,
            visible=visible,
            end_form=EndForm(),
            can_change=self.has_change_permission(request),
        )

    def notice_view(self, request, pk):
        if not self.has_view_permission(request):
            raise Http404
        entry, visible = self._entry(request, pk)
        if not visible:
            raise Http404
        return self.page(request, "notice.html", "Notice d'information", entry=entry)

    def acknowledge_view(self, request, pk):
        if not self.has_change_permission(request):
            raise Http404
        try:
            register.acknowledge_request(
                actor=actor_of(request), registration_id=pk, request_id=request.request_id
            )
        except NotFound:
            raise Http404 from None
        except CrisisError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Accusé de réception enregistré : l'inscription est active.")
        return HttpResponseRedirect(reverse("admin:crisis_registration_change", args=[pk]))

    def end_view(self, request, pk):
        if not self.has_change_permission(request):
            raise Http404
        form = EndForm(request.POST)
        if form.is_valid():
            try:
                register.end_registration(
                    actor=actor_of(request),
                    registration_id=pk,
                    reason=form.cleaned_data["reason"],
                    request_id=request.request_id,
                )
            except NotFound:
                raise Http404 from None
            messages.success(request, "L'inscription a pris fin ; ses données ont été effacées.")
        return HttpResponseRedirect(reverse("admin:crisis_registration_change", args=[pk]))

    def has_delete_permission(self, request, obj=None):
        return False
