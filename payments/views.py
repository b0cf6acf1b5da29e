"""The wallet page: a shell the wallet JavaScript module fills from `/api/payments/wallet`
and `/api/payments/transactions`, kept live by `wallet_updated` events."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.views import client_config


@login_required
def wallet_page(request: HttpRequest) -> HttpResponse:
    return render(
        request, "payments/wallet.html", {"config": client_config(request), "page": "wallet"}
    )
