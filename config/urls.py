from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import health
from core.api.errors import api_not_found
from core.views import PasswordResetView, ThrottledLoginView, admin_login
from orders import views as order_views
from orders.urls import order_urls, quote_urls, webhook_urls

api_v1 = [
    path("", include("configurator.api.catalog_urls")),
    path("", include("configurator.api.urls")),
    path("", include("orders.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Anything else under /api/v1/ (an unknown path, a non-numeric id) answers in the API's
    # error shape rather than Django's HTML 404 page.
    re_path(r"^.*$", api_not_found),
]

urlpatterns = [
    path("", order_views.home, name="home"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("catalog/", include("configurator.catalog_urls")),
    path("configurations/", include("configurator.urls")),
    path("configurations/<int:configuration_pk>/quote/", order_views.quote_request, name="quote-request"),
    path("quotes/", include(quote_urls)),
    path("orders/", include(order_urls)),
    path("webhooks/", include(webhook_urls)),
    # Before the admin's own URLs: its sign-in, throttled like the web's.
    path(f"{settings.COREKIT_ADMIN_PATH}login/", admin_login, name="admin-login"),
    path(settings.COREKIT_ADMIN_PATH, admin.site.urls),
    path("health/live/", health.live, name="health-live"),
    path("health/ready/", health.ready, name="health-ready"),
    path("health/workers/", health.workers, name="health-workers"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
]

admin.site.site_header = "corekit — sales workspace"
admin.site.site_title = "corekit admin"
admin.site.index_title = "Catalog, customers and quotes"
