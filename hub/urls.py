from django.contrib import admin
from django.db.transaction import non_atomic_requests
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from oauth2_provider import views as oauth2_views

from hub import security, views
from hub.registry.api import views as registry_api

EXTERNAL_ID = r"(?P<external_id>[A-Za-z0-9._:\-]{1,128})"

api_v1 = [
    path("schema/", non_atomic_requests(SpectacularAPIView.as_view()), name="schema"),
    path(
        "docs/",
        non_atomic_requests(SpectacularRedocView.as_view(url_name="api-v1:schema")),
        name="docs",
    ),
    path("records", registry_api.RecordList.as_view(), name="record-list"),
    re_path(rf"^records/{EXTERNAL_ID}$", registry_api.RecordDetail.as_view(), name="record-detail"),
    path(
        "beneficiaries/<uuid:beneficiary_id>",
        registry_api.BeneficiaryDetail.as_view(),
        name="beneficiary-detail",
    ),
    path("match", registry_api.Match.as_view(), name="match"),
    path("", include("consent.api.urls")),
    path("", include("exchanges.api.urls")),
    path("", include("crisis.api.urls")),
    path("", include("territory.api.urls")),
]

urlpatterns = [
    path("admin/deux-facteurs/", security.verify, name="otp-verify"),
    path("admin/deux-facteurs/configurer/", security.setup, name="otp-setup"),
    path("admin/", admin.site.urls),
    path("o/token/", views.TokenView.as_view(), name="token"),
    path("o/revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("api/v1/", include((api_v1, "api-v1"))),
    path("schemas/", views.schema_index, name="schema-index"),
    path("schemas/<slug:name>.v<int:version>.json", views.schema_file, name="schema-file"),
    path("citoyen/", include("portal.urls")),
    path("healthz", views.health, name="health"),
]

handler400 = "hub.errors.handler400"
handler403 = "hub.errors.handler403"
handler404 = "hub.errors.handler404"
handler500 = "hub.errors.handler500"
