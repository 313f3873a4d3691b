from django.urls import path

from territory.api import views

urlpatterns = [
    path("indicators", views.IndicatorList.as_view(), name="indicator-list"),
    path("indicators/<slug:code>", views.IndicatorDetail.as_view(), name="indicator-detail"),
]
