from django.urls import include, path

from bench.api.views import BareBeneficiaryDetail

urlpatterns = [
    path("bench/bare/beneficiaries/<uuid:beneficiary_id>", BareBeneficiaryDetail.as_view()),
    path("", include("hub.urls")),
]
