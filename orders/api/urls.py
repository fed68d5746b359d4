from django.urls import path

from orders.api import views

urlpatterns = [
    path("quotes/", views.QuoteListApi.as_view(), name="quote-list"),
    path("quotes/<int:pk>/", views.QuoteDetailApi.as_view(), name="quote-detail"),
    path("quotes/<int:pk>/document/", views.QuoteDocumentApi.as_view(), name="quote-document"),
    path("quotes/<int:pk>/accept/", views.QuoteAcceptApi.as_view(), name="quote-accept"),
    path("quotes/<int:pk>/reject/", views.QuoteRejectApi.as_view(), name="quote-reject"),
    path("orders/", views.OrderListApi.as_view(), name="order-list"),
    path("orders/<int:pk>/", views.OrderDetailApi.as_view(), name="order-detail"),
    path("webhooks/", views.WebhookListApi.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", views.WebhookDetailApi.as_view(), name="webhook-detail"),
]
