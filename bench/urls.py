"""The product's URLs plus the benchmarks' baseline view (config.settings.bench only)."""

from django.urls import path

from bench.views import BareValidateApi, OrmPartsApi
from config.urls import urlpatterns as product_urlpatterns

# Before the product's URLs: the API's catch-all would answer /bench/... otherwise.
urlpatterns = [
    path("bench/bare-validate/", BareValidateApi.as_view()),
    path("bench/orm-parts/", OrmPartsApi.as_view()),
    *product_urlpatterns,
]
