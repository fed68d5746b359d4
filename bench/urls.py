from django.urls import path

from bench.views import BareValidateApi

urlpatterns = [path("bench/bare-validate/", BareValidateApi.as_view())]
