from django.urls import path

from configurator.api.catalog_views import PartDetailApi, PartListApi

urlpatterns = [
    path("parts/", PartListApi.as_view(), name="part-list"),
    path("parts/<str:sku>/", PartDetailApi.as_view(), name="part-detail"),
]
