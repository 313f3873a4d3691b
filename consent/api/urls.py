from django.urls import path

from consent.api import views

urlpatterns = [
    path(
        "beneficiaries/<uuid:beneficiary_id>/grants",
        views.BeneficiaryGrants.as_view(),
        name="beneficiary-grants",
    ),
    path("grants/<uuid:grant_id>/withdraw", views.GrantWithdraw.as_view(), name="grant-withdraw"),
    path("grants/<uuid:grant_id>/receipt", views.GrantReceipt.as_view(), name="grant-receipt"),
]
