from django.urls import path

from configurator import views

urlpatterns = [
    path("", views.configuration_list, name="configuration-list"),
    path("new/", views.configuration_new, name="configuration-new"),
    path("<int:pk>/", views.configuration_builder, name="configuration-builder"),
    path("<int:pk>/choose/", views.configuration_choose, name="configuration-choose"),
    path("<int:pk>/remove/", views.configuration_remove, name="configuration-remove"),
    path("<int:pk>/quantity/", views.configuration_quantity, name="configuration-quantity"),
    path("<int:pk>/policy/", views.configuration_policy, name="configuration-policy"),
    path("<int:pk>/requirements/", views.configuration_requirements, name="configuration-requirements"),
    path("<int:pk>/schedule/", views.configuration_schedule, name="configuration-schedule"),
    path("<int:pk>/repair/", views.configuration_apply_repair, name="configuration-repair"),
    path("<int:pk>/clone/", views.configuration_clone, name="configuration-clone"),
    path("<int:pk>/delete/", views.configuration_delete, name="configuration-delete"),
]
