"""Second factor for staff: TOTP (django-otp), required in the admin for superusers and the
roles of ``OTP_REQUIRED_ROLES`` (the DPO and organization administrators by default).

A staff member who must use it and has not verified a code in this session is sent to
``/admin/deux-facteurs/``: there they enter the code of their authenticator app, or, the first
time, add the app by scanning a QR code (drawn here as SVG, nothing fetched) and confirming a
first code.
"""

from __future__ import annotations

import base64
from io import BytesIO
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from hub.registry.actors import Actor

EXEMPT = ("/admin/login/", "/admin/logout/", "/admin/deux-facteurs/", "/admin/jsi18n/")


def second_factor_required(user) -> bool:
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return settings.OTP_REQUIRED_FOR_SUPERUSERS
    return bool(set(settings.OTP_REQUIRED_ROLES) & set(Actor.for_user(user).roles))


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if (
            path.startswith("/admin/")
            and not path.startswith(EXEMPT)
            and second_factor_required(request.user)
            and not request.user.is_verified()
        ):
            return redirect(f"{reverse('otp-verify')}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code à 6 chiffres",
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/admin/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return "/admin/"
    return target


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@never_cache
@login_required(login_url="admin:login")
def verify(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect(f"{reverse('otp-setup')}?next={quote(_next(request))}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error(
            "token", "Ce code n'est pas valide ou a expiré : saisissez le code affiché maintenant."
        )
    return render(
        request,
        "security/verify.html",
        {"form": form, "next": _next(request), "title": "Vérification en deux étapes"},
    )


@never_cache
@login_required(login_url="admin:login")
def setup(request):
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('otp-verify')}?next={quote(_next(request))}")
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Application d'authentification"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error(
            "token", "Ce code ne correspond pas : vérifiez l'heure du téléphone et réessayez."
        )
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "security/setup.html",
        {
            "form": form,
            "next": _next(request),
            "qr_svg": _qr_svg(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "title": "Activer la vérification en deux étapes",
        },
    )
