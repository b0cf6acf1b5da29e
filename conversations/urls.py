from django.urls import path

from . import views

urlpatterns = [
    path("", views.rooms_page, name="rooms"),
]
