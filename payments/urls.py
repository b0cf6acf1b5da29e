from django.urls import path

from . import views

urlpatterns = [
    path("", views.wallet_page, name="wallet"),
]
