"""The payments settings are checked at start-up (`manage.py check`, every server start), so
a wrong currency fails before the first transfer rather than on it."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def payments_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    table = settings.PAYMENTS_CURRENCIES
    bad = [
        code
        for code, exponent in table.items()
        if not (len(code) == 3 and code.isascii() and code.isupper() and code.isalpha())
        or not isinstance(exponent, int)
        or not 0 <= exponent <= 4
    ]
    if bad:
        errors.append(
            Error(
                f"PAYMENTS_CURRENCIES: {', '.join(bad)} must be ISO 4217 codes with an "
                "exponent of 0 to 4.",
                id="payments.E001",
            )
        )
    if settings.PAYMENTS_CURRENCY not in table:
        errors.append(
            Error(
                f"PAYMENTS_CURRENCY {settings.PAYMENTS_CURRENCY!r} is not in PAYMENTS_CURRENCIES.",
                id="payments.E002",
            )
        )
    for name in ("PAYMENTS_TRANSFER_LIMIT", "PAYMENTS_DAILY_LIMIT", "PAYMENTS_ISSUE_LIMIT"):
        value = getattr(settings, name)
        if not isinstance(value, int) or value < 1:
            errors.append(Error(f"{name} must be a positive whole number.", id="payments.E003"))
    return errors
