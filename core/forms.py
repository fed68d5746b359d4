"""Sign-in forms that refuse a locked username or address before they authenticate."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from core import throttling


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
