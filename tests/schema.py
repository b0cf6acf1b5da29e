"""The generated OpenAPI schema, for tests that pin a representation to it."""

import functools
from typing import Any


@functools.cache
def openapi_components() -> dict[str, Any]:
    """`components.schemas` of the schema /api/schema/ serves (generated once per run)."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def documented_properties(component: str) -> set[str]:
    return set(openapi_components()[component]["properties"])
