from django.urls import path

from parts import views

urlpatterns = [
    path("", views.catalog, name="catalog"),
    path("<str:sku>/", views.part_detail, name="part-detail"),
]
