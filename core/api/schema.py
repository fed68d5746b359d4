"""OpenAPI post-processing: the integration guide, and for every operation its summary,
description, request examples and the errors *it* can answer with (`core.api.docs`)."""

from core.api.docs import GUIDE, OPERATIONS, STATUS_TEXT, operation_errors
from core.api.pagination import Pagination

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "lines[2].sku: unknown SKU 'X'"},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "description": "field path → messages, e.g. `lines[2].quantity`",
                },
            },
            "additionalProperties": True,
        }
    },
}

TAGS = [
    {"name": "parts", "description": "The catalog: parts with specs, supply chain and your prices."},
    {"name": "kit-templates", "description": "The kits you can configure and their slots."},
    {"name": "sourcing-policies", "description": "Sourcing rule packs a configuration is checked against."},
    {"name": "configurations", "description": "Kits you build: lines per slot, validated on every change."},
    {"name": "quotes", "description": "Multi-year quotes, produced asynchronously (see the lifecycle)."},
    {"name": "orders", "description": "Accepted quotes."},
    {"name": "webhooks", "description": "Signed event deliveries to your endpoints."},
]


IDEMPOTENCY_KEY = (
    "Any unique string up to 200 characters (a UUID). The same key with the same body returns "
    "the quote created the first time; with a different body it answers 409 "
    "`idempotency_key_reused`. Kept per organization for at least 24 hours."
)


def _error_response(status: str, examples: list[tuple[str, dict]]) -> dict:
    codes = sorted({body["error"]["code"] for _, body in examples})
    description = STATUS_TEXT.get(status, "Error.")
    if codes:
        description += " Codes: " + ", ".join(f"`{c}`" for c in codes) + "."
    return {
        "description": description,
        "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"},
            "examples": {name: {"summary": body["error"]["code"], "value": body}
                         for name, body in examples},
        }},
    }


_PAGE_SIZE_REFUSED = f"a whole number from 1 to {Pagination.max_page_size}; '0' given"
PAGE_SIZE_ERROR = ("page_size", {"error": {"code": "invalid", "message": f"page_size: {_PAGE_SIZE_REFUSED}",
                                           "fields": {"page_size": [_PAGE_SIZE_REFUSED]}}})


def _paginated(operation: dict) -> bool:
    """A list whose `page_size` is bounded (core.api.pagination): the bounds are stated, and
    a value outside them is a documented 400."""
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == "page_size" and parameter.get("in") == "query":
            parameter.setdefault("schema", {}).update({"minimum": 1, "maximum": Pagination.max_page_size})
            return True
    return False


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    result.setdefault("info", {})["description"] = GUIDE
    result["tags"] = TAGS
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            doc = OPERATIONS.get(operation.get("operationId", ""))
            if doc is None:
                # Not written up yet (tests/api/test_schema_docs.py says so): document every
                # error status rather than none, so the schema stays truthful.
                for status, text in STATUS_TEXT.items():
                    operation.setdefault("responses", {}).setdefault(status, {
                        "description": text,
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Error"}}},
                    })
                continue
            operation["summary"] = doc.summary
            operation["description"] = doc.description
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "Idempotency-Key":
                    parameter["description"] = IDEMPOTENCY_KEY
                    parameter.setdefault("schema", {})["maxLength"] = 200
                    parameter["example"] = "5b0f3f0e-2c4d-4c53-9a53-8d1e2f1c7a10"
            responses = operation.setdefault("responses", {})
            errors = operation_errors(doc)
            if _paginated(operation):
                errors["400"] = [*errors.get("400", []), PAGE_SIZE_ERROR]
            for status, examples in errors.items():
                responses.setdefault(status, _error_response(status, examples))
            for status, examples in doc.response_examples.items():
                media = responses.get(status, {}).get("content", {}).get("application/json")
                if media is not None:
                    media["examples"] = {name: {"summary": name, "value": value}
                                         for name, value in examples.items()}
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and doc.request_examples:
                body["examples"] = {name: {"summary": name, "value": value}
                                    for name, value in doc.request_examples.items()}
    return result
