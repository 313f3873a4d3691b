from django.urls import path

from portal.franceconnect import views

app_name = "franceconnect"

urlpatterns = [
    path("connexion/", views.login, name="login"),
    path("callback/", views.callback, name="callback"),
    path("deconnexion/", views.logout, name="logout"),
    path("deconnecte/", views.logged_out, name="logged-out"),
]
