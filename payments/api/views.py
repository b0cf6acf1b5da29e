"""REST for payments: thin views over payments.services and payments.selectors.

The payer is always `request.user`; a transfer is readable by its two parties only (404
for anyone else, as for an id that does not exist).
"""

from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts.request_user import request_user
from chat_project import api
from chat_project.ids import id_or_404
from chat_project.openapi import error, invalid
from payments import selectors, services
from payments.models import Transfer

from . import serializers as s

NEXT_PAGE = OpenApiParameter(
    "Link",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description="RFC 8288 link to the next (older) page when this one is full, e.g. "
    '`<https://chat.example.com/api/payments/transactions?limit=50&before=812>; rel="next"`.',
)


class TransferViewSet(api.ViewSet):
    """Send money to a friend; read a transfer you sent or received."""

    serializer_class = s.TransferSerializer
    queryset = api.schema_only(Transfer)

    @extend_schema(
        request=s.TransferCreateInputSerializer,
        responses={
            201: s.TransferSerializer,
            200: OpenApiResponse(s.TransferSerializer, description="idempotency_key replay"),
            400: invalid("yourself as `to_user_id`."),
            403: error("Not friends, or either of you blocks the other (`permission_denied`)."),
            404: error("`to_user_id` is unknown or disabled (`not_found`)."),
            409: error(
                "More than your balance (`insufficient_funds`); over `transfer_limit` or "
                "`daily_limit` (`limit_exceeded`); the idempotency_key was used for another "
                "body (`idempotency_key_reused`)."
            ),
            429: error(
                "Over THROTTLE_TRANSFER (`throttled`): send again with the same "
                "idempotency_key after `Retry-After`."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = api.valid_input(s.TransferCreateInputSerializer, request.data)
        transfer, created = services.transfer_send(actor=request_user(request), **data)
        return Response(
            s.TransferSerializer(transfer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(responses={200: s.TransferSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        transfer = selectors.transfer_get_for_user(
            user_id=request_user(request).id,
            transfer_id=id_or_404(pk, selectors.TRANSFER_NOT_FOUND),
        )
        return Response(s.TransferSerializer(transfer).data)


class PaymentsViewSet(api.ViewSet):
    """`/api/payments/wallet` and `/api/payments/transactions`: your own money only."""

    serializer_class = s.WalletSerializer
    queryset = api.schema_only(Transfer)

    @extend_schema(responses={200: s.WalletSerializer})
    @action(detail=False, methods=["get"])
    def wallet(self, request: Request) -> Response:
        """Your balance in each currency, with the limits on sending it."""
        balances = selectors.balances_for_user(user_id=request_user(request).id)
        return Response(s.wallet_representation(balances))

    @extend_schema(
        parameters=[s.TransactionQuerySerializer, NEXT_PAGE],
        responses={200: s.TransactionSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def transactions(self, request: Request) -> Response:
        """Your history, newest first: money in and out, keyset pages (`before=`)."""
        params = api.valid_input(s.TransactionQuerySerializer, request.query_params)
        counterpart = params.pop("counterpart", None)
        entries = selectors.transactions_for_user(
            user_id=request_user(request).id, counterpart_id=counterpart, **params
        )
        response = Response([s.transaction_representation(entry) for entry in entries])
        if len(entries) == params["limit"]:
            query = {
                key: value
                for key, value in {
                    "limit": params["limit"],
                    "counterpart": counterpart,
                    "currency": params.get("currency"),
                    "before": entries[-1].id,
                }.items()
                if value is not None
            }
            url = request.build_absolute_uri(request.path)
            response["Link"] = f'<{url}?{urlencode(query)}>; rel="next"'
        return response


def register(router: BaseRouter) -> None:
    """Add this app's viewsets to the project's one router."""
    router.register("payments/transfers", TransferViewSet, basename="payment-transfers")
    router.register("payments", PaymentsViewSet, basename="payments")
