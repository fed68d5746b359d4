from django.contrib.auth import views as auth_views
from django.shortcuts import render

from core import throttling
from core.web import organization_required


class ThrottledLoginView(auth_views.LoginView):
    """Django's sign-in, refusing (429) after repeated failures for a username or address."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        address = request.META.get("REMOTE_ADDR", "")
        if throttling.login_locked(username, address):
            form = self.get_form()
            form.add_error(None, "Too many failed sign-ins. Wait a few minutes, or reset your password.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttling.login_succeeded(username, address)
        else:
            throttling.login_failed(username, address)
        return response


@organization_required
def home(request):
    from core.dashboard import organization_dashboard

    return render(request, "web/home.html", organization_dashboard(organization=request.organization))
