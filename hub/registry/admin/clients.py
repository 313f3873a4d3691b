"""Partner clients (OAuth2 applications): configuration, written through ``hub.registry.config``.

Creation is POST-redirect-GET: the POST creates the client and keeps its secret in the session
for one read; the page it redirects to shows the secret once (``Cache-Control: no-store``) and
forgets it, so that refreshing the page neither creates a second client nor shows it again.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from hub.registry import config
from hub.registry.admin.gate import log_configuration
from hub.registry.admin.scoping import OrganizationScopedAdmin, user_organizations
from hub.registry.models import Organization, PartnerClient
from hub.registry.partners import OnboardingError, parse_scopes

SESSION_KEY = "passerelle_new_client"


class PartnerClientCreationForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none()
    )
    client_name = forms.CharField(
        label=_("Nom de l'application"),
        max_length=200,
        required=False,
        help_text=_("Par défaut : « <organisation> API »."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Portées autorisées"), widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["scopes"].choices = [
            (scope, f"{scope} — {label}") for scope, label in settings.API_SCOPES.items()
        ]


class PartnerClientForm(forms.ModelForm):
    class Meta:
        model = PartnerClient
        fields = ("allowed_scopes", "is_active")

    def clean_allowed_scopes(self):
        try:
            return " ".join(parse_scopes(self.cleaned_data["allowed_scopes"]))
        except OnboardingError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(PartnerClient)
class PartnerClientAdmin(OrganizationScopedAdmin):
    service_backed = True
    form = PartnerClientForm
    list_display = ("__str__", "organization", "client_id", "scopes", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("organization__name", "application__name", "application__client_id")
    readonly_fields = ("organization", "application", "client_id", "created_at")
    fields = ("organization", "application", "client_id", "allowed_scopes", "is_active")
    list_select_related = ("organization", "application")
    actions = ("deactivate",)

    @admin.display(description=_("identifiant client"), ordering="application__client_id")
    def client_id(self, obj):
        return obj.application.client_id

    @admin.display(description=_("portées"))
    def scopes(self, obj):
        return " ".join(obj.scope_list)

    @admin.action(description=_("Désactiver les clients sélectionnés"), permissions=("change",))
    def deactivate(self, request, queryset):
        count = config.deactivate_partner_clients(clients=queryset, by=request.user)
        if count:
            log_configuration(request, action="update")
        self.message_user(request, _("%(count)d client(s) désactivé(s).") % {"count": count})

    deactivate.service_backed = True

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        config.update_partner_client(client=obj, by=request.user)
        log_configuration(request, action="update")

    def delete_model(self, request, obj):
        raise NotImplementedError("partner clients are deactivated, never deleted")

    def delete_queryset(self, request, queryset):
        raise NotImplementedError("partner clients are deactivated, never deleted")

    def get_urls(self):
        return [
            path(
                "add/created/",
                self.admin_site.admin_view(self.created_view),
                name="registry_partnerclient_created",
            ),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "has_view_permission": self.has_view_permission(request),
            **extra,
        }

    def add_view(self, request, form_url="", extra_context=None):
        """Create the client through the service, then redirect to the page of its secret."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PartnerClientCreationForm(
            request.POST if request.method == "POST" else None,
            organizations=user_organizations(request),
        )
        if request.method == "POST" and form.is_valid():
            try:
                result = config.create_partner_client(
                    organization=form.cleaned_data["organization"],
                    scopes=parse_scopes(" ".join(form.cleaned_data["scopes"])),
                    client_name=form.cleaned_data["client_name"],
                    by=request.user,
                )
            except OnboardingError as exc:
                form.add_error(None, str(exc))
            else:
                log_configuration(request, action="create")
                self.log_addition(request, result.client, [{"added": {}}])
                request.session[SESSION_KEY] = {
                    "client": result.client.pk,
                    "client_id": result.client_id,
                    "client_secret": result.client_secret,
                }
                return HttpResponseRedirect(reverse("admin:registry_partnerclient_created"))
        context = self._context(request, title=_("Ajouter un client partenaire"), form=form)
        return TemplateResponse(request, "admin/registry/partnerclient/add.html", context)

    def created_view(self, request):
        """The secret of the client just created, once."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        kept = request.session.pop(SESSION_KEY, None)
        client = (
            self.get_queryset(request)
            .filter(pk=kept["client"])
            .select_related("application")
            .first()
            if kept
            else None
        )
        if client is None:
            self.message_user(
                request,
                _("Le secret n'est affiché qu'une fois, juste après la création du client."),
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:registry_partnerclient_changelist"))
        context = self._context(
            request,
            title=_("Client partenaire créé"),
            client=client,
            client_id=kept["client_id"],
            client_secret=kept["client_secret"],
            changelist_url=reverse("admin:registry_partnerclient_changelist"),
        )
        response = TemplateResponse(request, "admin/registry/partnerclient/created.html", context)
        response["Cache-Control"] = "no-store"
        return response
