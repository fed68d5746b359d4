from django.urls import path

from configurator import catalog_views as views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("<str:sku>/", views.part_detail, name="part-detail"),
]
