from django.urls import include, path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("franceconnect/", include("portal.franceconnect.urls")),
]
