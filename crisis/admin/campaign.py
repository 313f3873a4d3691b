"""Plans and call campaigns in the admin: trigger and close a plan, the campaign's live view,
and the caller's "next call" screen (agents and volunteers of the réserve communale)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from crisis import call_entries, callers, calls, disclosure, plans, resources
from crisis.admin.common import CrisisAdminMixin, WritesThroughServices, actor_of
from crisis.admin.forms import ActivationForm, CloseForm, OutcomeForm
from crisis.errors import CrisisError, NotFound
from crisis.models import Activation, Call
from crisis.vocab import STEP_OUTCOMES
from hub.registry.actors import Actor


@admin.register(Activation)
class ActivationAdmin(CrisisAdminMixin, admin.ModelAdmin):
    list_display = ("plan", "level", "organization", "opened_at", "closed_at")
    list_filter = ("plan", "level")

    def get_queryset(self, request):
        return plans.activations_of(actor_of(request))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<uuid:pk>/campaign/", view(self.campaign_view), name="crisis_activation_campaign"
            ),
            path("<uuid:pk>/stats.json", view(self.stats_view), name="crisis_activation_stats"),
            path(
                "<uuid:pk>/close/",
                view(require_POST(self.close_view)),
                name="crisis_activation_close",
            ),
            path(
                "<uuid:pk>/callers/",
                view(require_POST(self.add_caller_view)),
                name="crisis_activation_add_caller",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise Http404
        form = ActivationForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                activation = plans.activate(
                    actor=actor_of(request), request_id=request.request_id, **form.cleaned_data
                )
            except CrisisError as exc:
                for error in exc.errors:
                    form.add_error(
                        error["field"] if error["field"] in form.fields else None, str(exc)
                    )
            else:
                messages.success(request, "Le plan est déclenché ; la liste d'appels est établie.")
                return HttpResponseRedirect(
                    reverse("admin:crisis_activation_campaign", args=[activation.pk])
                )
        return self.page(request, "activation_form.html", "Déclencher le plan", form=form)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:crisis_activation_campaign", args=[object_id]))

    def campaign_view(self, request, pk):
        actor = actor_of(request)
        activation = Activation.objects.select_related("organization").filter(pk=pk).first()
        if activation is None or not callers.may_call(actor, activation):
            raise Http404
        rows = callers.listed_calls(actor, activation, 0, 200)
        shown = disclosure.disclose(
            actor=actor, registrations=[c.registration for c in rows], purpose="crisis_plan"
        )
        visible = {entry.pk for entry in shown}
        manager = self.has_change_permission(request)
        return self.page(
            request,
            "campaign.html",
            f"Campagne d'appels — {activation}",
            activation=activation,
            stats=calls.campaign_stats(activation),
            rows=[(call, call.registration_id in visible) for call in rows],
            manager=manager,
            close_form=CloseForm(),
            callers=activation.callers.select_related("user"),
            candidates=(
                get_user_model()
                .objects.filter(
                    memberships__organization=activation.organization, memberships__is_active=True
                )
                .order_by("username")
                if manager
                else []
            ),
        )

    def stats_view(self, request, pk):
        """The campaign's counts (aggregates only, no person) for the live view."""
        activation = Activation.objects.filter(pk=pk).first()
        if activation is None or not callers.may_call(actor_of(request), activation):
            raise Http404
        return JsonResponse(calls.campaign_stats(activation))

    def close_view(self, request, pk):
        if not self.has_change_permission(request):
            raise Http404
        form = CloseForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Indiquez le motif de la clôture.")
        else:
            try:
                plans.close(
                    actor=actor_of(request),
                    activation_id=pk,
                    reason=form.cleaned_data["reason"],
                    request_id=request.request_id,
                )
            except NotFound:
                raise Http404 from None
            except CrisisError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, "Le plan est clôturé.")
        return HttpResponseRedirect(reverse("admin:crisis_activation_campaign", args=[pk]))

    def add_caller_view(self, request, pk):
        if not self.has_change_permission(request):
            raise Http404
        user = (
            get_user_model()
            .objects.filter(pk=request.POST.get("user") or None, is_active=True)
            .first()
        )
        actor = actor_of(request)
        if user is None or not set(Actor.for_user(user).organization_ids) & set(
            actor.organization_ids
        ):
            messages.error(request, "Choisissez un membre de votre organisation.")
        else:
            try:
                calls.add_caller(actor=actor, activation_id=pk, user=user)
            except NotFound:
                raise Http404 from None
            messages.success(request, "Appelant·e ajouté·e à la campagne.")
        return HttpResponseRedirect(reverse("admin:crisis_activation_campaign", args=[pk]))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Call)
class CallAdmin(WritesThroughServices, CrisisAdminMixin, admin.ModelAdmin):
    # Every write goes through crisis.calls from this admin's own views.

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("next/", view(self.next_view), name="crisis_call_next"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        return HttpResponseRedirect(reverse("admin:crisis_call_next"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def next_view(self, request):
        if not self.has_change_permission(request):
            raise Http404
        actor = actor_of(request)
        activations = list(callers.activations_for_caller(actor).select_related("organization"))
        chosen = request.POST.get("activation") or request.GET.get("activation")
        activation = next((a for a in activations if str(a.pk) == chosen), None)
        if activation is None and len(activations) == 1:
            activation = activations[0]
        here = reverse("admin:crisis_call_next") + (
            f"?activation={activation.pk}" if activation else ""
        )
        if request.method == "POST" and activation is not None:
            action = request.POST.get("action")
            try:
                if action == "take":
                    if calls.next_call(actor=actor, activation_id=activation.pk) is None:
                        messages.info(request, "Aucun appel à passer pour le moment.")
                elif action == "release":
                    calls.release(actor=actor, call_id=request.POST.get("call"))
                elif action == "outcome":
                    return self._record(request, actor, activation, here)
                elif action == "book":
                    resources.book(
                        actor=actor,
                        resource_id=request.POST.get("resource") or None,
                        call_id=request.POST.get("call") or None,
                        day=timezone.localdate(),
                        request_id=request.request_id,
                    )
                    messages.success(request, "Place réservée pour aujourd'hui.")
            except (NotFound, ValueError):
                raise Http404 from None
            except CrisisError as exc:
                messages.error(request, str(exc))
            return HttpResponseRedirect(here)
        held = None
        visible = False
        form = None
        if activation is not None:
            held = (
                Call.objects.filter(
                    activation=activation, status="pending", claim_holder=actor.label
                )
                .select_related("registration")
                .first()
            )
            if held is not None:
                visible = bool(
                    disclosure.disclose(
                        actor=actor, registrations=[held.registration], purpose="crisis_plan"
                    )
                )
                form = OutcomeForm(outcomes=STEP_OUTCOMES[held.step])
        return self.page(
            request,
            "next_call.html",
            "Prochain appel",
            activations=activations,
            activation=activation,
            held=held,
            visible=visible,
            form=form,
            resources=resources.resources_for(actor) if held is not None else [],
        )

    def _record(self, request, actor, activation, here):
        call = call_entries.find_call(request.POST.get("call") or "")
        if call is None or call.activation_id != activation.pk:
            raise Http404
        form = OutcomeForm(request.POST, outcomes=STEP_OUTCOMES[call.step])
        if not form.is_valid():
            messages.error(request, "Choisissez un résultat dans la liste.")
            return HttpResponseRedirect(here)
        try:
            call = calls.record_outcome(
                actor=actor,
                call_id=call.pk,
                outcome=form.cleaned_data["outcome"],
                need_action=form.cleaned_data["need_action"],
                request_id=request.request_id,
            )
        except CrisisError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"Résultat enregistré : {call.get_last_outcome_display()} — "
                f"étape suivante : {call.get_step_display()} ({call.get_status_display()}).",
            )
        return HttpResponseRedirect(here)
