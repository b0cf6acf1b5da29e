"""One place that turns service errors into the API's 4xx JSON bodies.

Services raise Django's own exceptions (ValidationError, PermissionDenied,
ObjectDoesNotExist/Http404) plus `Conflict`; views never translate errors
themselves, so REST and the WebSocket consumer answer the same way.
"""

from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response


class Conflict(Exception):
    """The request clashes with the current state (duplicate, room full): HTTP 409."""

    def __init__(self, detail: str, code: str = "conflict") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class Refused(PermissionDenied):
    """A 403 with its own `code` (a ban: `banned`), where clients act on the reason."""

    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail)
        self.code = code


class Gone(Exception):
    """What was asked for existed and is over for good (an expired invite): HTTP 410."""

    def __init__(self, detail: str, code: str = "gone") -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class Throttled(Exception):
    """A service-level rate limit (shared by REST and WebSocket): HTTP 429."""

    code = "throttled"

    def __init__(self, wait: float | None, detail: str = "Request was throttled.") -> None:
        super().__init__(detail)
        self.wait = wait
        self.detail = detail


class Overloaded(Throttled):
    """The server delivers events later than it should: senders wait (HTTP 429)."""

    code = "overloaded"


class ServiceUnavailable(exceptions.APIException):
    """PostgreSQL or Redis is unreachable: nothing was done; try again shortly."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The server cannot reach its database or cache right now; try again shortly."
    default_code = "service_unavailable"


#: Retry-After (seconds) of a 503 for an unreachable dependency.
UNAVAILABLE_RETRY_AFTER = 5


def is_dependency_failure(exc: BaseException) -> bool:
    """True for "PostgreSQL or Redis cannot be reached", as opposed to a bug.

    Those used to surface as 500 HTML pages (Redis down) or after a 10 s hang and a 500
    (PostgreSQL down); they are a 503 with Retry-After instead.
    """
    from django.db import InterfaceError, OperationalError
    from redis.exceptions import BusyLoadingError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return isinstance(
        exc,
        (
            OperationalError,
            InterfaceError,
            RedisConnectionError,
            RedisTimeoutError,
            BusyLoadingError,
        ),
    )


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body is too large."
    default_code = "payload_too_large"


def validation_error_detail(exc: DjangoValidationError) -> Any:
    """DRF's 400 shape from a Django ValidationError (field errors or non_field_errors)."""
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages]
            for field, errors in exc.error_dict.items()
        }
    return {"non_field_errors": list(exc.messages)}


def to_api_exception(exc: Exception) -> exceptions.APIException | None:
    """Map a service-layer exception to the DRF exception that carries its status."""
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(validation_error_detail(exc))
    if isinstance(exc, Refused):
        return exceptions.PermissionDenied(exc.args[0], exc.code)
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, (ObjectDoesNotExist, Http404)):
        return exceptions.NotFound(str(exc) or None)
    if isinstance(exc, Conflict):
        err = exceptions.APIException(exc.detail, exc.code)
        err.status_code = status.HTTP_409_CONFLICT
        return err
    if isinstance(exc, Gone):
        gone = exceptions.APIException(exc.detail, exc.code)
        gone.status_code = status.HTTP_410_GONE
        return gone
    if isinstance(exc, Throttled):
        return exceptions.Throttled(wait=exc.wait, detail=exc.detail, code=exc.code)
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if is_dependency_failure(exc):
        from chat_project import metrics  # counted here: REST and WebSocket map it here

        metrics.dependency_failed(exc)
        return ServiceUnavailable()
    return None


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    # Imported here: rest_framework.views loads the throttle classes, which import this
    # module (through ratelimit), so a module-level import made the first importer of
    # chat_project.exceptions fail with a circular import.
    from rest_framework.views import exception_handler

    mapped = to_api_exception(exc)
    if mapped is not None:
        exc = mapped
    response = exception_handler(exc, context)
    if response is None:
        return None
    if (
        isinstance(exc, exceptions.APIException)
        and isinstance(response.data, dict)
        and "detail" in response.data
        and "code" not in response.data
    ):
        codes = exc.get_codes()
        response.data["code"] = codes if isinstance(codes, str) else exc.default_code
    if isinstance(exc, ServiceUnavailable):
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    return response


def error_payload(exc: Exception) -> dict | None:
    """The `{code, detail}` of an error event for the WebSocket consumer."""
    mapped = to_api_exception(exc) if not isinstance(exc, exceptions.APIException) else exc
    if mapped is None:
        return None
    if isinstance(mapped, exceptions.ValidationError):
        return {"code": "invalid", "detail": mapped.detail}
    codes = mapped.get_codes()
    return {
        "code": codes if isinstance(codes, str) else mapped.default_code,
        "detail": str(mapped.detail),
    }
