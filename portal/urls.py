from django.urls import include, path, re_path

from portal import errors, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("franceconnect/", include("portal.franceconnect.urls")),
    path("registre/", views.registration, name="registration"),
    path("demande/", views.help_request, name="help-request"),
    path("recu/", views.receipt, name="receipt"),
    path("retrait/<str:token>/", views.withdraw, name="withdraw"),
    path("confidentialite/", views.privacy, name="privacy"),
    # Any other address under /citoyen/ answers the portal's own French 404 page (an address
    # without its final slash is first redirected to it by APPEND_SLASH, as elsewhere).
    re_path(r"^(?P<rest>.*/)$", errors.not_found, name="not-found"),
]
