from django.urls import path

from crisis.api import views

urlpatterns = [
    path("crisis/registrations", views.RegistrationList.as_view(), name="crisis-registration-list"),
    path(
        "crisis/registrations/<uuid:registration_id>",
        views.RegistrationDetail.as_view(),
        name="crisis-registration-detail",
    ),
    path("crisis/activations", views.ActivationList.as_view(), name="crisis-activation-list"),
    path(
        "crisis/activations/<uuid:activation_id>/close",
        views.ActivationClose.as_view(),
        name="crisis-activation-close",
    ),
    path(
        "crisis/activations/<uuid:activation_id>/calls",
        views.ActivationCalls.as_view(),
        name="crisis-activation-calls",
    ),
    path(
        "crisis/activations/<uuid:activation_id>/prefect-export",
        views.PrefectExport.as_view(),
        name="crisis-prefect-export",
    ),
    path(
        "crisis/calls/<uuid:call_id>/outcome",
        views.CallOutcome.as_view(),
        name="crisis-call-outcome",
    ),
]
