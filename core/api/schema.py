"""OpenAPI post-processing: every operation documents the one error shape it can answer with."""

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

ERROR_STATUSES = {
    "400": "Invalid input: `fields` names each offending field by its path.",
    "401": "Missing, invalid or revoked API key.",
    "403": "Authenticated, but not acting for an organization.",
    "404": "No such object for the caller's organization (another organization's objects are "
           "404 too), or an invalid page.",
    "405": "Method not allowed on this path.",
    "409": "The object is not in a state that allows this (e.g. a quote not ready yet).",
    "413": "The request body is too large.",
    "415": "The request body is not JSON.",
    "422": "The configuration has errors (`validation` lists its violations).",
    "429": "Rate limit reached; retry after the `Retry-After` seconds.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(status, {
                    "description": description, "content": {"application/json": {"schema": ref}},
                })
    return result
