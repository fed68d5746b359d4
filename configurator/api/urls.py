from django.urls import path

from configurator.api import views

urlpatterns = [
    path("kit-templates/", views.KitTemplateListApi.as_view(), name="kit-template-list"),
    path("sourcing-policies/", views.SourcingPolicyListApi.as_view(), name="sourcing-policy-list"),
    path("configurations/", views.ConfigurationListApi.as_view(), name="configuration-list"),
    path("configurations/validate/", views.ConfigurationValidateApi.as_view(),
         name="configuration-validate"),
    path("configurations/<int:pk>/", views.ConfigurationDetailApi.as_view(),
         name="configuration-detail"),
    path("configurations/<int:pk>/options/", views.ConfigurationOptionsApi.as_view(),
         name="configuration-options"),
    path("configurations/<int:pk>/repairs/", views.ConfigurationRepairsApi.as_view(),
         name="configuration-repairs"),
    path("configurations/<int:pk>/clone/", views.ConfigurationCloneApi.as_view(),
         name="configuration-clone"),
]
