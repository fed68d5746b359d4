"""Sign-in forms that refuse a locked username or address before they authenticate, and the
password-reset form whose e-mail a worker sends."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.cache import cache

from core import outbox, throttling
from core.cache import cache_available

PASSWORD_RESET_TASK = "core.send_password_reset"


class ThrottledSignInMixin:
    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = throttling.client_address(self.request) if self.request is not None else None
        if throttling.login_locked(username, address):
            raise forms.ValidationError(throttling.LOCKED_MESSAGE, code="throttled")
        return super().clean()

    @property
    def throttled(self) -> bool:
        return self.is_bound and any(
            error.code == "throttled" for error in self.non_field_errors().as_data()
        )


class ThrottledAuthenticationForm(ThrottledSignInMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledSignInMixin, AdminAuthenticationForm):
    pass


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's password-reset form, with its e-mail sent by a worker through the outbox.

    Django sends it inside the request and, when the mail server fails, logs the error and
    tells the user it was sent: the reset was lost. Here the request records a message in
    the outbox, and a worker sends it, retrying while the mail server is down (and the relay
    publishing it again if Redis is). The request no longer waits for the mail server,
    whose seconds told anyone timing it which addresses have an account. The message holds
    no token: the worker makes the reset link when it sends. One e-mail per account per
    `COREKIT_PASSWORD_RESET_EVERY_SECONDS`, so that the form cannot flood an inbox."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        user = context["user"]
        first = cache.add(f"password-reset:{user.pk}", 1, settings.COREKIT_PASSWORD_RESET_EVERY_SECONDS)
        if not first and cache_available():  # (the fail-open cache answers False while away)
            return  # one was recorded a moment ago
        # The cache away: a real reset is recorded rather than refused, unlimited meanwhile.
        # The account and the address the request came to; the worker fixes the rest.
        outbox.enqueue(PASSWORD_RESET_TASK, user_id=user.pk, to_email=to_email,
                       domain=context["domain"], protocol=context["protocol"])
