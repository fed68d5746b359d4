"""The partner API's documentation: the integration guide and each operation's own page.

Kept apart from the views so the words live in one place; `core.api.schema` applies them
to the generated OpenAPI document (summary, description, the errors *this* operation can
answer with and an example of each, request examples).
"""

from __future__ import annotations

from dataclasses import dataclass, field

GUIDE = """\
Rotor and stator kits for EV traction motors: browse the catalog, build a kit
(a **configuration**), request a multi-year **quote**, accept it into an **order**.

## 1. Authenticate

Every request carries `Authorization: Api-Key <key>`. A sales rep creates the key for
your organization in the sales workspace; only its hash is stored, so keep it safe and
ask for a new one if it leaks (the old one is revoked). Everything you see belongs to
your organization: another organization's configuration, quote or order answers
`404`, exactly like one that does not exist.

## 2. Integrate in five calls

1. `GET /api/v1/kit-templates/` and `GET /api/v1/sourcing-policies/`: the template
   codes (`motor-core-package`, …) with their slots, and the policy codes
   (`china-excluded`, …).
2. `GET /api/v1/parts/?category=magnet&policy=china-excluded`: the catalog, filtered.
3. `POST /api/v1/configurations/` with the template, the policy, the program's
   `schedule` and one line per slot. The answer (`201`) holds the configuration's
   `validation`: `valid` is true once every required slot is filled and no rule is
   broken. `GET /api/v1/configurations/{id}/options/?slot=<slot>` lists the parts that
   still fit a slot (none of them leads to a dead end) and, for the others, the rule
   codes that exclude them; `GET …/repairs/` suggests fixes. Use
   `POST /api/v1/configurations/validate/` to check a body without saving it.
4. `POST /api/v1/quotes/` with the configuration's `id`, the currency and an
   `Idempotency-Key` header: `202` with the quote in status `queued` and a `Location`
   header. Wait for it (section 4), then fetch `GET /api/v1/quotes/{id}/document/`
   (the PDF).
5. `POST /api/v1/quotes/{id}/accept/` with `{"po_number": "...", "terms_accepted": true}`
   (your purchase-order number and your confirmation of the quote's terms; `400` without
   them): `201` with the order; `GET /api/v1/orders/` lists your orders.

## 3. The quote lifecycle

```
queued ──▶ pricing ──▶ ready ──▶ sent ──▶ accepted ──▶ (order)
   ▲          │           │        │
   │          ▼           │        ├──▶ rejected
   └─ retry ─ failed      │        └──▶ expired   (valid_until passed)
                          └──▶ accepted / rejected / expired
```

* `queued`: accepted by the API, waiting for a worker. `dispatch` is `deferred` when
  the queue was briefly unreachable; the quote is sent to a worker as soon as it is back.
* `pricing`: a worker re-validates the configuration against today's catalog, prices
  every delivery year and renders the PDF.
* `ready`: priced; `total`, the per-year lines and `valid_until` are set. A quote whose
  terms go below your supply agreement (an annual price-down above the agreed one, a
  discount above the approval threshold) has `approval: "pending"`: it shows no final
  price and cannot be accepted (`409 approval_pending`) until a sales rep approves it.
  An annual price-down above 10 % is refused (`400`).
* `sent`: a sales rep sent it to you. `ready` (with no approval pending) and `sent`
  quotes can be accepted or rejected.
* `failed`: `failure_reason` says why (e.g. the catalog changed and the configuration
  is no longer valid). Fix the configuration and request a new quote, or ask your
  sales contact to retry it.
* `expired`: `valid_until` has passed; request a new quote.
* `superseded`: a sales rep re-priced it as a new version; use the newest version.

Accepting creates exactly one order, however often it is called (a repeat answers
`200` with the same order).

## 4. Waiting for a quote: polling or webhooks

**Polling.** `GET /api/v1/quotes/{id}/` until `status` is no longer `queued` or
`pricing`. Most quotes are ready within seconds: poll every 2 seconds for the first
minute, then back off (every 10–30 s). Polling counts against your rate limit.

**Webhooks** (recommended). `POST /api/v1/webhooks/` with your HTTPS `url` and the
`events` you want (`quote.ready`, `quote.failed`, `order.created`,
`order.status_changed`; none means all). `order.status_changed` is sent when sales
marks an order in delivery, completed or cancelled: `data` is the order with its new
`status`, `previous_status`, `status_changed_at` and, for a cancellation, the
`status_reason` given. New event names may be added: ignore the ones you do not handle.
The answer shows the endpoint's `secret` **once**. Each event is POSTed as JSON
`{"id", "event", "data"}` (`data` is the quote or order) with these headers:

| header | value |
|---|---|
| `X-Corekit-Event` | the event name, e.g. `quote.ready` |
| `X-Corekit-Delivery` | the event id, the same on every retry: use it to drop duplicates |
| `X-Corekit-Timestamp` | Unix seconds when this attempt was signed |
| `X-Corekit-Signature` | `sha256=` + hex HMAC-SHA256 of `"<timestamp>.<raw body>"` with the secret |

Verify the signature over the raw body before parsing it, compare in constant time
and reject timestamps more than 5 minutes old. Answer any `2xx` quickly; anything
else (or no answer within 5 s) is retried with exponential backoff (10 s, 20 s,
40 s, … capped at one hour), up to 8 retries, after which the delivery is marked
failed. Deliveries may arrive more than once and out of order: treat them as a
signal and read the current state with `GET /api/v1/quotes/{id}/`.

## 5. Changing a configuration: PATCH semantics

`PATCH /api/v1/configurations/{id}/` changes only the fields you send, then
re-validates the whole configuration:

* `name`, `template`, `sourcing_policy`: replaced.
* `lines`: **replaces all lines.** Send the complete list you want; a slot you leave
  out is emptied. To change one part, read the configuration, change that line and
  send every line back.
* `schedule`: replaces the whole schedule.
* `requirements`: merged key by key; a key set to `null` is removed.

A configuration that has quotes is kept as their record: `DELETE` answers `409
configuration_has_quotes` (clone it to change it: `POST …/clone/`).

## 6. Idempotency

Send an `Idempotency-Key` header (any unique string up to 200 characters, e.g. a
UUID) with `POST /api/v1/quotes/`. Retrying with the same key and the same body
returns the quote created the first time (no second quote); the same key with a
different body answers `409 idempotency_key_reused`. Keys are kept per organization
for at least 24 hours. Accepting a quote is idempotent by nature.

## 7. Errors

Every error has one shape:

```json
{"error": {"code": "invalid", "message": "lines[2].sku: unknown SKU 'X'",
           "fields": {"lines[2].sku": ["unknown SKU 'X'"]}}}
```

`code` is stable (switch on it, not on `message`); `fields` names each offending field
by its JSON path. Bodies are strict: a key this document does not list, at any level,
answers `400` with `"requirements.max_speed": ["unknown field"]` rather than being
ignored (a misspelt requirement or policy would otherwise judge the kit without it), and
a key given twice in one object is a `400 parse_error` rather than the last one kept.
Each operation below lists the codes it can answer with. Common to
all: `401` (missing, invalid or revoked key), `403` (the key acts for no
organization), `429 throttled` (rate limit: wait for the `Retry-After` seconds).

## 8. Lists

Lists are paginated: `{"count", "next", "previous", "results"}` with `page` and
`page_size` (1 to 500; 50 by default; anything else answers `400` naming it). Follow
`next` until it is `null`. A page past the end answers `404`.
"""


def _error(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


# Status → what it means in general; each operation adds its own codes and examples.
STATUS_TEXT = {
    "400": "Invalid input: `fields` names each offending field by its JSON path.",
    "401": "Missing, invalid or revoked API key.",
    "403": "Authenticated, but not acting for an organization.",
    "404": "Not found for your organization (another organization's objects answer 404 too).",
    "405": "This method is not allowed on this path.",
    "409": "The object's state does not allow this.",
    "413": "The request body is too large.",
    "415": "The request body is not JSON (send `Content-Type: application/json`).",
    "422": "The configuration has errors.",
    "429": "Rate limit reached: retry after the `Retry-After` seconds.",
}

E = _error
COMMON_ERRORS: dict[str, list[tuple[str, dict]]] = {
    "401": [("not_authenticated", E("not_authenticated",
                                    "Authentication credentials were not provided.")),
            ("authentication_failed", E("authentication_failed", "Invalid API key."))],
    "403": [("permission_denied", E("permission_denied",
                                    "You do not have permission to perform this action."))],
    "405": [("method_not_allowed", E("method_not_allowed", 'Method "PUT" not allowed.'))],
    "429": [("throttled", E("throttled", "Request was throttled. Expected available in 12 seconds."))],
}
BODY_ERRORS: dict[str, list[tuple[str, dict]]] = {
    "413": [("too_large", E("too_large", "the request body is too large"))],
    "415": [("unsupported_media_type", E("unsupported_media_type",
                                         'Unsupported media type "text/plain" in request.'))],
}
PAGE_ERRORS = {"404": [("not_found", E("not_found", "Invalid page."))]}


@dataclass(frozen=True)
class OperationDoc:
    summary: str
    description: str
    errors: dict[str, list[tuple[str, dict]]] = field(default_factory=dict)
    body: bool = False
    paginated: bool = False
    request_examples: dict[str, dict] = field(default_factory=dict)
    # status → example name → body, for the success answer
    response_examples: dict[str, dict[str, dict]] = field(default_factory=dict)


LINES_EXAMPLE = [
    {"slot": "rotor_core", "sku": "RC-8P-16044-508"},
    {"slot": "magnet", "sku": "MAG-N48SH-GD-4930-SGI-KR", "quantity": 16},
]
CONFIG_BODY = {
    "name": "CK48 program, 2027 SOP", "template": "motor-core-package",
    "sourcing_policy": "china-excluded",
    "schedule": [{"year": 2027, "kits": 40000}, {"year": 2028, "kits": 120000}],
    "lines": LINES_EXAMPLE,
}
INVALID_LINE = ("invalid", E("invalid", "lines[1].sku: unknown SKU 'MAG-X'",
                             {"lines[1].sku": ["unknown SKU 'MAG-X'"]}))
UNKNOWN_TEMPLATE = ("unknown_template", E("invalid", "template: unknown template 'x'",
                                          {"template": ["unknown template 'x'"]}))
VALIDATION_EXAMPLE = {
    "valid": False, "complete": True,
    "violations": [{"code": "AIR_GAP", "severity": "error",
                    "message": "air gap 0.10 mm is below 0.25 mm (stator bore 161.9, rotor OD 161.7)",
                    "slots": ["rotor_core", "stator_core"], "skus": ["RC-8P-16044-508",
                                                                     "SC-48S-16190-220"]}],
}
QUEUED_QUOTE = {
    "id": 731, "number": "Q-2026-000731", "version": 1, "status": "queued", "failure_reason": "",
    "configuration": 42, "currency": "EUR", "annual_price_down_pct": "2.00",
    "manual_discount_pct": "0.00", "approval_required": False, "approved": False,
    "approval": "not_needed", "approval_reason": "", "approved_at": None,
    "incoterms": "FCA", "payment_terms": "60 days net",
    "schedule": [{"year": 2027, "kits": 40000}, {"year": 2028, "kits": 120000}],
    "years": [], "parts": [], "total": None, "index_values_used": [], "exchange_rates_used": [],
    "compliance": {"policy": None, "per_year": [], "warnings": []},
    "pricing_date": None, "valid_until": None, "document_url": None, "dispatch": "dispatched",
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z",
}
CONFIG_404 = {"404": [("configuration_not_found", E("configuration_not_found",
                                                    "no such configuration"))]}
QUOTE_404 = {"404": [("quote_not_found", E("quote_not_found", "no such quote"))]}


OPERATIONS: dict[str, OperationDoc] = {
    "parts_list": OperationDoc(
        "List catalog parts",
        "The catalog, 50 parts a page, filterable by `category`, `supplier` (code), `search` "
        "(SKU or name), `active`, `origin_excludes` (ISO country: no supply-chain stage there) "
        "and `policy` (only parts that satisfy that sourcing policy for your organization). "
        "Each part carries its specs, provenance by stage, lead time and your price tiers.",
        {"400": [("invalid", E("invalid", "category: \"rotor\" is not a valid choice.",
                                {"category": ['"rotor" is not a valid choice.']}))],
         **PAGE_ERRORS},
        paginated=True,
    ),
    "parts_retrieve": OperationDoc(
        "Get one part by SKU",
        "One part with its specifications, supply chain by stage (country, company, evidence), "
        "lead time, minimum order quantity, annual capacity and the price tiers that apply to "
        "your organization.",
        {"404": [("part_not_found", E("part_not_found", "no part with SKU 'RC-X'"))]},
    ),
    "kit_templates_list": OperationDoc(
        "List kit templates",
        "The kits you can configure (e.g. `motor-core-package`), each with its slots: code, "
        "name, category, whether it is required and the quantity per kit. Use a template's "
        "`code` in `POST /configurations/`. Not paginated.",
    ),
    "sourcing_policies_list": OperationDoc(
        "List sourcing policies",
        "The built-in sourcing policy packs (e.g. `china-excluded`) and your organization's own "
        "custom policies, with code, versions, effective dates and description. Each version is "
        "in force from its `effective_from` until the next one's (a custom policy edited to take "
        "effect later keeps its earlier version until then); a version a later edit replaced from its "
        "own date or earlier is not listed. Never another organization's. Not paginated.",
    ),
    "configurations_validate_create": OperationDoc(
        "Validate a configuration without saving it",
        "Checks a configuration body exactly as `POST /configurations/` would and answers `200` "
        "with the validation object (`valid`, `complete`, `violations` each with a stable "
        "`code`, the slots and SKUs involved). Nothing is stored. An input that cannot be read "
        "(unknown template, unknown SKU, bad types) answers `400`.",
        {"400": [INVALID_LINE, UNKNOWN_TEMPLATE]},
        body=True, request_examples={"a rotor core and its magnets": CONFIG_BODY},
        response_examples={"200": {"an air gap too small": VALIDATION_EXAMPLE}},
    ),
    "configurations_list": OperationDoc(
        "List your configurations",
        "Your organization's saved configurations, newest first, each with its lines and its "
        "current validation.",
        PAGE_ERRORS, paginated=True,
    ),
    "configurations_create": OperationDoc(
        "Create a configuration",
        "Saves a kit: `template` and `sourcing_policy` by code, optional `requirements`, the "
        "program's `schedule` (deliveries per year, used by per-year sourcing, capacity and "
        "lead-time rules) and one line per slot. Answers `201` with the configuration and its "
        "`validation`; a configuration may be saved incomplete or with violations (they are "
        "listed) but only a valid one can be quoted.",
        {"400": [INVALID_LINE, UNKNOWN_TEMPLATE,
                 ("too_many_lines", E("invalid", "lines: Ensure this field has no more than 20 "
                                                 "elements.", {"lines": ["no more than 20"]}))]},
        body=True, request_examples={"a rotor core and its magnets": CONFIG_BODY},
    ),
    "configurations_retrieve": OperationDoc(
        "Get a configuration",
        "One configuration with its lines, schedule, requirements and current validation "
        "(re-checked when the catalog or the rules change).",
        CONFIG_404,
    ),
    "configurations_partial_update": OperationDoc(
        "Change a configuration (lines replace all lines)",
        "Changes only the fields sent, then re-validates the whole configuration and answers "
        "with it.\n\n"
        "* `lines` **replaces all lines**: send the complete list; a slot left out is emptied.\n"
        "* `schedule` replaces the whole schedule.\n"
        "* `requirements` is merged key by key; a key set to `null` is removed.\n"
        "* `name`, `template`, `sourcing_policy` are replaced.\n\n"
        "A configuration that was ordered is that order's record: changing it answers "
        "`409 configuration_ordered`; copy it (`POST /configurations/{id}/clone/`) to work on.",
        {"400": [INVALID_LINE], **CONFIG_404,
         "409": [("configuration_ordered", E(
             "configuration_ordered", "this configuration was ordered (O-2026-000003) and can no "
                                      "longer be changed; copy it to work on a new version"))]},
        body=True, request_examples={
            "replace the lines (all of them)": {"lines": LINES_EXAMPLE},
            "rename only": {"name": "CK48 program, rev B"},
        },
    ),
    "configurations_destroy": OperationDoc(
        "Delete a draft configuration",
        "Deletes a configuration that has no quote. One with quotes (and so any ordered one) "
        "is kept as their record and answers `409 configuration_has_quotes`; clone it to "
        "change it.",
        {**CONFIG_404, "409": [("configuration_has_quotes", E(
            "configuration_has_quotes", "This configuration has quotes; it is kept as their "
                                        "record (copy it to change it).")),
                                ("configuration_ordered", E(
            "configuration_ordered", "this configuration was ordered (O-2026-000003) and can no "
                                     "longer be changed; copy it to work on a new version"))]},
    ),
    "configurations_clone_create": OperationDoc(
        "Copy a configuration",
        "A new configuration with the same template, policy, requirements, schedule and lines; "
        "`name` defaults to the original's with “(copy)”. Answers `201` with the copy and its "
        "validation against today's catalog.",
        {"400": [("invalid", E("invalid", "name: must be at most 200 characters",
                               {"name": ["at most 200 characters"]}))], **CONFIG_404},
        body=True, request_examples={"named copy": {"name": "CK48 program, 2028 variant"}},
    ),
    "configurations_options_list": OperationDoc(
        "Parts that fit each slot",
        "For each slot (or only `slot`), the catalog parts that keep the configuration free of "
        "errors given everything else chosen and with which the kit can still be completed "
        "(no dead ends), ordered by cost per kit, paged with `offset`/`limit`, searched with "
        "`search`. `sort` orders the parts that fit another way: `lead_time`, `name`, `sku` or "
        "`spec` (the slot's key spec, e.g. a stator core's outer diameter); ties keep cost per "
        "kit order. With `include_excluded=true`, the other parts too, after the ones that fit, "
        "each with the rule codes that exclude it (`DEAD_END` names the slots that could no "
        "longer be filled).",
        {"400": [("unknown_slot", E("invalid", "slot: 'x' is not a slot of motor-core-package",
                                    {"slot": ["unknown slot"]})),
                 ("invalid", E("invalid", "limit: Ensure this value is less than or equal to 200.",
                               {"limit": ["Ensure this value is less than or equal to 200."]})),
                 ("unknown_sort", E("invalid", 'sort: "price" is not a valid choice.',
                                    {"sort": ['"price" is not a valid choice.']}))],
         **CONFIG_404},
    ),
    "configurations_repairs_list": OperationDoc(
        "Suggested fixes",
        "For each error in the configuration, the changes that would remove it (swap a part, "
        "change a quantity), each with the validation it would lead to.",
        CONFIG_404,
    ),
    "quotes_list": OperationDoc(
        "List your quotes",
        "Your organization's quotes, newest first, every version, with status and totals.",
        PAGE_ERRORS, paginated=True,
    ),
    "quotes_create": OperationDoc(
        "Request a quote (asynchronous)",
        "Freezes the configuration and the delivery schedule and queues the pricing. Answers "
        "`202` with the quote in status `queued` and a `Location` header; follow it by polling "
        "`GET /quotes/{id}/` or with the `quote.ready`/`quote.failed` webhooks.\n\n"
        "Send an `Idempotency-Key` header: retrying with the same key and the same body returns "
        "the same quote; the same key with a different body answers `409 "
        "idempotency_key_reused`. `schedule` defaults to the configuration's. A configuration "
        "with errors is refused with `422` and its violations.",
        {"400": [("invalid", E("invalid", "configuration: no such configuration",
                               {"configuration": ["no such configuration"]})),
                 ("invalid_schedule", E("invalid", "schedule: a quote needs at least one year "
                                                   "with kits",
                                        {"schedule": ["at least one year with kits"]}))],
         "409": [("idempotency_key_reused", E(
             "idempotency_key_reused",
             "this Idempotency-Key was used for a different request body"))],
         "422": [("configuration_invalid", E(
             "configuration_invalid",
             "the configuration has errors; fix them before requesting a quote",
             validation={"valid": False, "complete": True, "violations": [
                 {"code": "AIR_GAP", "severity": "error",
                  "message": "air gap 0.10 mm is below 0.25 mm",
                  "slots": ["rotor_core", "stator_core"], "skus": []}]}))],
         "429": [("throttled", E("throttled", "Request was throttled. Expected available in "
                                              "3 seconds."))]},
        body=True, request_examples={"five years in euros": {
            "configuration": 42, "currency": "EUR", "annual_price_down_pct": "2.00",
            "schedule": [{"year": 2027, "kits": 40000}, {"year": 2028, "kits": 120000}]}},
        response_examples={"202": {"queued": QUEUED_QUOTE}},
    ),
    "quotes_retrieve": OperationDoc(
        "Get a quote (poll this while it is produced)",
        "The quote's `status` (`queued`, `pricing`, `ready`, `sent`, `accepted`, `rejected`, "
        "`expired`, `failed` with `failure_reason`) and, once ready, the per-year lines, the "
        "per-part breakdown, the total, the index values and rates used and `valid_until`. "
        "While it is `queued` or `pricing`, poll every 2 s for a minute, then back off.",
        QUOTE_404,
    ),
    "quotes_document_retrieve": OperationDoc(
        "Download the quote PDF",
        "The quote document (prices per year, compliance pack) as `application/pdf`, once the "
        "quote is ready; before that `409 document_not_ready`.",
        {**QUOTE_404, "409": [("document_not_ready", E(
            "document_not_ready", "the document is not ready (status pricing)"))]},
    ),
    "quotes_accept_create": OperationDoc(
        "Accept a quote and place the order",
        "Accepts a quote that is `sent`, or `ready` with no approval pending, and answers `201` "
        "with the new order. The body carries your purchase-order number (`po_number`) and "
        "`terms_accepted: true`; the order records both. The parts' shared capacity is booked "
        "here: when other orders took it since the quote was priced, `409 capacity_exhausted`; "
        "while a catalog import is changing the kit's parts (seconds to a minute), `503 "
        "catalog_busy` with `Retry-After`: nothing was booked, accept again then. The order "
        "freezes the quoted kit: if the configuration has changed since the quote was requested "
        "(another part, quantity, requirement or policy), `409 configuration_changed`; request a "
        "new quote, or put the kit back as quoted. The kit is judged again by the catalog as it "
        "is now, on the quote's pricing date (its price stays the quote's, and the days passing "
        "within its validity change nothing): a part discontinued since, a supplier restricted "
        "since under your policy, or a lead time lengthened past the first delivery is `409 "
        "kit_no_longer_valid` naming the rule; request a new quote for the kit as it can be "
        "supplied now. "
        "Exactly one order is created however often this is called: a "
        "repeat answers `200` with the same order.",
        {"400": [("invalid", E("invalid", "po_number: This field is required.",
                               {"po_number": ["This field is required."]}))],
         **QUOTE_404,
         "409": [("quote_not_acceptable", E("quote_not_acceptable",
                                            "this quote cannot be accepted (status pricing)")),
                 ("quote_expired", E("quote_expired", "this quote has expired")),
                 ("approval_pending", E("approval_pending",
                                        "the discount awaits a sales rep's approval")),
                 ("capacity_exhausted", E("capacity_exhausted",
                                          "capacity for MAG-… in 2028 was taken by other orders")),
                 ("configuration_changed", E("configuration_changed",
                                             "the kit has changed since this quote was requested: …")),
                 ("kit_no_longer_valid", E("kit_no_longer_valid",
                                           "this quote can no longer be accepted: the kit is no "
                                           "longer valid (PART_INACTIVE; …): …"))],
         "503": [("catalog_busy", E("catalog_busy",
                                    "the catalog is being updated (an import holds these parts); "
                                    "nothing was booked: accept again in a minute"))]},
        body=True,
    ),
    "quotes_reject_create": OperationDoc(
        "Reject a quote",
        "Rejects a `ready` or `sent` quote, with an optional `reason` kept for your sales "
        "contact. Answers with the quote in status `rejected`.",
        {**QUOTE_404, "409": [("conflict", E(
            "conflict", "only a ready or sent quote can be rejected (this one is accepted)"))]},
        body=True, request_examples={"with a reason": {"reason": "volume moved to 2029"}},
    ),
    "orders_list": OperationDoc(
        "List your orders",
        "Your organization's orders, newest first, each with its quote, total, currency, "
        "delivery schedule and status.",
        PAGE_ERRORS, paginated=True,
    ),
    "orders_retrieve": OperationDoc(
        "Get an order",
        "One order with its delivery schedule and status (`confirmed`, `in_delivery`, "
        "`completed`, `cancelled`).",
        {"404": [("order_not_found", E("order_not_found", "no such order"))]},
    ),
    "webhooks_list": OperationDoc(
        "List your webhook endpoints",
        "The URLs registered for your organization and the events each receives. Secrets are "
        "never shown again after creation.",
        PAGE_ERRORS, paginated=True,
    ),
    "webhooks_create": OperationDoc(
        "Register a webhook endpoint",
        "Registers an `http(s)` URL for `quote.ready`, `quote.failed`, `order.created` and/or "
        "`order.status_changed` (none means all; ignore event names you do not handle). "
        "Answers `201` with the endpoint and its signing `secret`, shown only this once. "
        "Each delivery is a JSON POST signed in `X-Corekit-Signature` "
        "(`sha256=` HMAC-SHA256 of `\"<X-Corekit-Timestamp>.<raw body>\"`), identified by "
        "`X-Corekit-Delivery`, and retried with exponential backoff until your endpoint "
        "answers 2xx. An organization has at most 10 endpoints (`409 webhook_limit`; one "
        "endpoint may receive every event). See the guide above.",
        {"400": [("invalid", E("invalid", "url: must be an http(s) URL",
                               {"url": ["must be an http(s) URL"]})),
                 ("unsafe_url", E("invalid", "url: must not point at a private address",
                                  {"url": ["must not point at a private address"]}))],
         "409": [("webhook_limit", E("webhook_limit",
                                     "an organization may register at most 10 webhook endpoints: "
                                     "delete one first (one endpoint may receive every event)"))]},
        body=True, request_examples={"quote events": {
            "url": "https://erp.example.com/hooks/corekit", "events": ["quote.ready", "quote.failed"]}},
    ),
    "webhooks_destroy": OperationDoc(
        "Remove a webhook endpoint",
        "Stops deliveries to this endpoint. Answers `204`.",
        {"404": [("webhook_not_found", E("webhook_not_found", "no such webhook"))]},
    ),
}


def operation_errors(doc: OperationDoc) -> dict[str, list[tuple[str, dict]]]:
    """Every status this operation can answer with an error, each with its codes' examples."""
    errors: dict[str, list[tuple[str, dict]]] = {}
    for source in (COMMON_ERRORS, BODY_ERRORS if doc.body else {}, doc.errors):
        for status, examples in source.items():
            merged = {name: body for name, body in errors.get(status, [])}
            merged.update(dict(examples))
            errors[status] = list(merged.items())
    return dict(sorted(errors.items()))
