from django.urls import path

from bench.views import BareValidateApi, OrmPartsApi

urlpatterns = [
    path("bench/bare-validate/", BareValidateApi.as_view()),
    path("bench/orm-parts/", OrmPartsApi.as_view()),
]
