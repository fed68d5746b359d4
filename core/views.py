from django.contrib import admin
from django.contrib.auth import views as auth_views

from core.forms import OutboxPasswordResetForm, ThrottledAuthenticationForm


class ThrottledLoginView(auth_views.LoginView):
    """Django's sign-in, refusing (429) after repeated failures for a username or address."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True
    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, its e-mail sent by a worker (core.forms.OutboxPasswordResetForm)."""

    form_class = OutboxPasswordResetForm


def admin_login(request, extra_context=None):
    """The admin's sign-in with the same throttle (429 while a username or address is locked).

    Mounted over the admin's own login URL; the site's form is the throttled one (core.admin).
    """
    response = admin.site.login(request, extra_context)
    form = getattr(response, "context_data", None) and response.context_data.get("form")
    if form is not None and getattr(form, "throttled", False):
        response.status_code = 429
    return response
