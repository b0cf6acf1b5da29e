"""REST of the leaving app: `POST /api/account/export`, the caller's exports and their
download, `POST /api/account/delete`."""

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts.request_user import request_user
from chat_project import api
from chat_project.openapi import error, invalid
from leaving import downloads, selectors, services
from leaving.models import Export

from . import serializers as s

#: The list shows the newest exports only: there is one every few days at most.
EXPORT_LIST_LIMIT = 20


class AccountViewSet(api.ViewSet):
    """Leaving with your data: start an export, delete the account."""

    serializer_class = s.ExportSerializer
    queryset = api.schema_only(Export)

    @extend_schema(request=None, responses={202: s.ExportSerializer})
    @action(detail=False, methods=["post"])
    def export(self, request: Request) -> Response:
        export, _ = services.export_request(actor=request_user(request))
        export.refresh_from_db()  # the immediate backend may have built it already
        return Response(s.ExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=s.AccountDeleteInputSerializer,
        responses={204: None, 400: invalid("a wrong `password`.")},
    )
    # Not named `delete`: a viewset method of that name answers HTTP DELETE on every route.
    @action(detail=False, methods=["post"], url_path="delete")
    def delete_account(self, request: Request) -> Response:
        data = api.valid_input(s.AccountDeleteInputSerializer, request.data)
        services.account_delete(actor=request_user(request), password=data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportViewSet(api.ViewSet):
    """The caller's exports, newest first; someone else's is 404."""

    serializer_class = s.ExportSerializer
    queryset = api.schema_only(Export)

    @extend_schema(responses={200: s.ExportSerializer(many=True)})
    def list(self, request: Request) -> Response:
        exports = selectors.export_list_for_user(user=request_user(request))
        return Response(s.ExportSerializer(exports[:EXPORT_LIST_LIMIT], many=True).data)

    @extend_schema(responses={200: s.ExportSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        export = selectors.export_get_for_user(user=request_user(request), export_id=pk)
        return Response(s.ExportSerializer(export).data)

    @extend_schema(
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The archive: a JSON document (`format`: `chat-export/1`), "
                "sent as a file download (`Content-Disposition: attachment`).",
            ),
            409: error("Not built yet (`export_not_ready`), or it failed."),
            410: error("Past its expiry: the file is deleted (`export_expired`)."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> HttpResponseBase:
        return downloads.export_file_response(user=request_user(request), export_id=pk)


def register(router: BaseRouter) -> None:
    router.register("account/exports", ExportViewSet, basename="account-exports")
    router.register("account", AccountViewSet, basename="account")
