from django.shortcuts import render

from hub.registry.models import Organization


def home(request):
    """The public home: the territory's services and the organizations behind them."""
    organizations = Organization.objects.filter(is_active=True).order_by("name")
    return render(request, "portal/home.html", {"organizations": organizations})
