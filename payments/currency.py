"""Currencies and amounts: ISO 4217 codes, their exponents, and exact conversions.

Money is an integer count of minor units everywhere (the database, the API, events): 1050
EUR is 10.50 EUR, 1050 JPY is 1,050 yen (exponent 0). Floats never hold money. Major-unit
text ("10.50") appears only where people type or read amounts (the admin's issue form, the
`issue_money` command) and is converted with `Decimal`, exactly, refusing anything finer
than the currency's minor unit.
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError

#: The largest amount a column holds (PostgreSQL bigint): nothing may grow past it.
MAX_AMOUNT = 2**63 - 1

UNKNOWN_CURRENCY = "Unknown currency: use one of {codes}."


def currencies() -> dict[str, int]:
    """The accepted ISO 4217 codes and their exponents (settings.PAYMENTS_CURRENCIES)."""
    return dict(settings.PAYMENTS_CURRENCIES)


def default_currency() -> str:
    return settings.PAYMENTS_CURRENCY


def clean_currency(value: object, field: str = "currency") -> str:
    """An accepted code (None or "" mean the default currency), else ValidationError."""
    if value is None or value == "":
        return default_currency()
    if not isinstance(value, str) or value not in settings.PAYMENTS_CURRENCIES:
        codes = ", ".join(sorted(settings.PAYMENTS_CURRENCIES))
        raise ValidationError({field: [UNKNOWN_CURRENCY.format(codes=codes)]}, code="currency")
    return value


def exponent(currency: str) -> int:
    return settings.PAYMENTS_CURRENCIES[currency]


def minor_per_major(currency: str) -> int:
    return 10 ** exponent(currency)


def clean_amount(value: object, field: str = "amount") -> int:
    """A positive whole number of minor units: never a bool, a float (even 10.0), a string
    or a fraction of a minor unit."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            {field: ["The amount must be a whole number of minor units (1050 is 10.50)."]},
            code="amount",
        )
    if value < 1:
        raise ValidationError({field: ["The amount must be greater than zero."]}, code="amount")
    if value > MAX_AMOUNT:
        raise ValidationError({field: ["The amount is too large."]}, code="amount")
    return value


def parse_major(text: object, currency: str, field: str = "amount") -> int:
    """ "100.00" in `currency` -> 10000 minor units, exactly (Decimal, no float), or
    ValidationError: not a number, not positive, or finer than the minor unit."""
    if not isinstance(text, str):
        raise ValidationError({field: ["Enter an amount such as 10.50."]}, code="amount")
    cleaned = text.strip().replace("_", "")
    if not cleaned or len(cleaned) > 32 or not all(c in "0123456789.-+" for c in cleaned):
        raise ValidationError({field: ["Enter an amount such as 10.50."]}, code="amount")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError({field: ["Enter an amount such as 10.50."]}, code="amount") from None
    if not number.is_finite():
        raise ValidationError({field: ["Enter an amount such as 10.50."]}, code="amount")
    minor = number.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        places = exponent(currency)
        raise ValidationError(
            {field: [f"{currency} has {places} decimal places: this amount has more."]},
            code="amount",
        )
    return clean_amount(int(minor), field)


def format_minor(amount: int, currency: str) -> str:
    """10050 EUR -> "100.50"; -5 EUR -> "-0.05"; 1050 JPY -> "1050"."""
    places = exponent(currency)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**places)
    return f"{sign}{whole}.{fraction:0{places}d}" if places else f"{sign}{whole}"


def display(amount: int, currency: str) -> str:
    """For people: "10.50 EUR"."""
    return f"{format_minor(amount, currency)} {currency}"


def limit_minor(setting_major: int, currency: str) -> int:
    """A limit from the settings (major units) in minor units of `currency`."""
    return setting_major * minor_per_major(currency)
