"""The OpenAPI document reads as an integration guide: every operation explained, its own errors."""

import pytest

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_operation_has_a_summary_and_a_description(schema):
    missing = [name for name, op in _operations(schema)
               if not op.get("summary", "").strip() or len(op.get("description", "")) < 40]
    assert not missing, missing


def test_operations_do_not_all_share_one_error_list(schema):
    error_lists = {name: tuple(sorted(s for s in op["responses"] if s[0] in "45"))
                   for name, op in _operations(schema)}
    assert len(set(error_lists.values())) >= 5, error_lists
    # A read of a list has no body to be too large or of the wrong type, and no 422.
    assert not {"413", "415", "422"} & set(error_lists["GET /api/v1/kit-templates/"])
    assert "404" in error_lists["GET /api/v1/quotes/{id}/"]
    assert "422" in error_lists["POST /api/v1/quotes/"]
    assert "422" not in error_lists["DELETE /api/v1/webhooks/{id}/"]


def test_error_responses_name_their_codes_with_examples(schema):
    ops = dict(_operations(schema))
    conflict = ops["POST /api/v1/quotes/"]["responses"]["409"]
    examples = conflict["content"]["application/json"]["examples"]
    assert "idempotency_key_reused" in conflict["description"]
    assert any(e["value"]["error"]["code"] == "idempotency_key_reused" for e in examples.values())
    not_found = ops["GET /api/v1/orders/{id}/"]["responses"]["404"]
    assert "order_not_found" in not_found["description"]
    created = ops["POST /api/v1/configurations/"]["requestBody"]["content"]["application/json"]
    assert created["examples"]  # a request a partner can copy


def test_the_guide_covers_lifecycle_patch_idempotency_polling_and_webhooks(schema):
    guide = schema["info"]["description"]
    for needle in ("queued", "pricing", "ready", "accepted", "failed", "expired",
                   "replaces all lines", "Idempotency-Key", "idempotency_key_reused",
                   "Polling", "X-Corekit-Signature", "HMAC-SHA256", "backoff", "Api-Key"):
        assert needle in guide, needle
    patch = dict(_operations(schema))["PATCH /api/v1/configurations/{id}/"]
    assert "replaces all lines" in patch["description"]


def test_success_answers_have_examples_that_match_their_schema(schema):
    ops = dict(_operations(schema))
    queued = ops["POST /api/v1/quotes/"]["responses"]["202"]["content"]["application/json"]
    example = queued["examples"]["queued"]["value"]
    assert example["status"] == "queued"
    ref = queued["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(example) == set(schema["components"]["schemas"][ref]["properties"])


def test_an_operation_without_docs_still_lists_every_error_status():
    from core.api.docs import STATUS_TEXT
    from core.api.schema import add_error_responses

    result = {"paths": {"/api/v1/new/": {"post": {"operationId": "new_thing", "responses": {}}}}}
    responses = add_error_responses(result, None, None, True)["paths"]["/api/v1/new/"]["post"][
        "responses"]
    assert set(STATUS_TEXT) <= set(responses)
