from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The chat screen (built out by the web UI issue)."""
    return render(request, "messaging/chat.html")
