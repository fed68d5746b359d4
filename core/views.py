from django.shortcuts import render

from core.selectors import principal_for_user


def home(request):
    """The landing page: where to go, and (signed in) which organization you act for."""
    return render(request, "core/home.html", {"principal": principal_for_user(request.user)})
