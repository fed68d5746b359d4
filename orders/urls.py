from django.urls import path

from orders import views, webhook_views

quote_urls = [
    path("", views.quote_list, name="quote-list"),
    path("<int:pk>/", views.quote_detail, name="quote-detail"),
    path("<int:pk>/status/", views.quote_status, name="quote-status"),
    path("<int:pk>/pdf/", views.quote_pdf, name="quote-pdf"),
    path("<int:pk>/accept/", views.quote_accept, name="quote-accept"),
    path("<int:pk>/reject/", views.quote_reject, name="quote-reject"),
]
order_urls = [
    path("", views.order_list, name="order-list"),
    path("<int:pk>/", views.order_detail, name="order-detail"),
]
webhook_urls = [
    path("", webhook_views.webhook_list, name="webhook-list"),
    path("<int:pk>/delete/", webhook_views.webhook_delete, name="webhook-delete"),
]
