"""The guided configurator pages. Each mutation calls one service; with htmx the builder
panel is re-rendered in place, without JavaScript the form posts and the page reloads."""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from configurator import forms, selectors, services
from configurator.catalog import REFERENCE_CURRENCY, catalog_view
from configurator.domain import drawing
from configurator.domain.codes import SLOT_REQUIRED
from configurator.domain.conflicts import change_hint, cheapest_fix, repair_slots
from configurator.domain.option_order import DEFAULT_SORT, SORTS, sort_choices, sort_label
from configurator.domain.options import cost_per_kit
from configurator.domain.options.listing import first_year_volume
from configurator.domain.repairs import suggest_repairs
from core.errors import ApplicationError
from core.selectors import commercial_terms_get
from core.web import organization_required
from parts.domain.provenance import STAGE_LABELS
from parts.domain.specs import CATEGORY_LABELS

# Options shown per page of a slot; the buyer pages on (no cap) or searches.
OPTIONS_PAGE = 8



def _configuration(request, pk: int):
    configuration = selectors.configuration_get(organization=request.organization, pk=pk)
    if configuration is None:
        raise Http404("no such configuration")
    return configuration


@organization_required
def configuration_list(request):
    configurations = selectors.configuration_queryset(request.organization)
    return render(request, "web/configuration_list.html", {"configurations": configurations})


@organization_required
def configuration_new(request):
    form = forms.NewConfigurationForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        configuration = services.configuration_create(
            organization=request.organization, user=request.user,
            data=services.ConfigurationInput(
                template=form.cleaned_data["template"].code, name=form.cleaned_data["name"],
                sourcing_policy=form.cleaned_data["sourcing_policy"],
                requirements=form.requirements(),
            ),
        )
        return redirect(f"/configurations/{configuration.pk}/")
    return render(request, "web/configuration_new.html", {"form": form})


def _page_param(request, slot: str) -> int:
    try:
        return max(int(request.GET.get(f"page_{slot}", 1)), 1)
    except ValueError:
        return 1


def _sort_param(request, slot: str) -> str:
    """The slot's sort from the page's query; an unknown one is ignored (the default order)."""
    sort = request.GET.get(f"sort_{slot}", DEFAULT_SORT)
    return sort if sort in SORTS else DEFAULT_SORT


# The query parameters that hold one slot's list state: search, sort and page.
_LIST_PARAMS = ("q_", "sort_", "page_")


def _list_state(request, slot_codes) -> dict[str, list[tuple[str, str]]]:
    """Per slot, the other slots' list state in the query (searches, sorts, pages), so that
    searching, sorting or paging one slot's options leaves the others' as they were."""
    state = {code: [(prefix + code, request.GET[prefix + code]) for prefix in _LIST_PARAMS
                    if request.GET.get(prefix + code)] for code in slot_codes}
    return {code: [pair for other, pairs in state.items() if other != code for pair in pairs]
            for code in slot_codes}


def slot_words(message: str, labels: dict[str, str]) -> str:
    """A violation message with slot and stage codes ("rotor_core", "component_manufacturing")
    read as words ("Rotor core", "component manufacturing")."""
    codes = sorted(labels, key=len, reverse=True)
    if not codes:
        return message
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, codes)) + r")(?![\w-])")
    return pattern.sub(lambda m: labels[m.group(1)], message)  # one pass: words are not re-read


def kit_price(snapshot) -> dict:
    """Price per kit at the program's volume and the kit's lead time, from the chosen parts:
    each line's tier price at the first delivery year's units times its quantity per kit
    (the engine's cost per kit), in the catalog's reference currency."""
    kits = first_year_volume(snapshot)
    total, unpriced = Decimal(0), []
    for line in snapshot.lines:
        cost = cost_per_kit(line.part, line.quantity, kits)
        if cost is None:
            unpriced.append(line.part.sku)
        else:
            total += cost
    lead = max((ln.part.lead_time_days for ln in snapshot.lines), default=None)
    return {"per_kit": total.quantize(Decimal("0.01")) if snapshot.lines else None,
            "currency": REFERENCE_CURRENCY, "kits": kits, "unpriced": unpriced,
            "lead_time_days": lead}


def builder_context(request, configuration, *, schedule_form=None, requirements_form=None,
                    quote_form=None) -> dict:
    """Everything the builder shows: slots with their options, violations, repairs, forms."""
    view = catalog_view()
    snapshot = selectors.configuration_snapshot(configuration)
    validation = configuration.validation
    completion = validation.get("completion") or services.completion_of(snapshot)
    lines = {ln.slot: ln for ln in configuration.lines.all()}
    template_slots = list(configuration.template.slots.all())
    labels = {s.code: CATEGORY_LABELS.get(s.category, s.code) for s in template_slots}
    # An empty required slot is to do, not an error: its SLOT_REQUIRED is left out of the list.
    words = {**{stage: label.lower() for stage, label in STAGE_LABELS.items()}, **labels,
             configuration.template.code: configuration.template.name}
    to_do = [s.code for s in template_slots if s.required and s.code not in lines]
    shown = []
    for v in validation.get("violations", []):
        if v["code"] == SLOT_REQUIRED and all(slot not in lines for slot in v["slots"]):
            continue
        shown.append({**v, "text": slot_words(v["message"], words),
                      "slot_labels": [labels.get(slot, slot) for slot in v["slots"]]})
    # Fixes are offered for real problems; filling an empty slot is the next step, not a repair.
    stuck = bool(completion) and not completion.get("possible", True)
    suggested = (suggest_repairs(snapshot, view.index, limit=12)
                 if not validation.get("valid") and (stuck or any(v["severity"] == "error" for v in shown))
                 else ())
    chosen = {slot: [line.part.sku] for slot, line in lines.items()}
    repairs = list(suggested[:6])
    for v in shown:
        v["change"] = conflict_change(v, chosen, labels, suggested, repairs)
    problem_slots = {s for v in shown if v["severity"] == "error" for s in v["slots"]}
    kits = first_year_volume(snapshot)
    slots = []
    others = _list_state(request, [s.code for s in template_slots])
    for slot in template_slots:
        page = _page_param(request, slot.code)
        search = request.GET.get(f"q_{slot.code}", "").strip()[:100]
        sort = _sort_param(request, slot.code)
        options = selectors.configuration_options(
            configuration=configuration, slot=slot.code, offset=(page - 1) * OPTIONS_PAGE,
            limit=OPTIONS_PAGE, include_excluded=True, snapshot=snapshot, search=search,
            sort=sort)[slot.code]
        shown_to = options.offset + len(options.items)
        own = [(f"q_{slot.code}", search)] if search else []
        if sort != DEFAULT_SORT:
            own.append((f"sort_{slot.code}", sort))
        slots.append({
            "slot": slot, "label": labels[slot.code],
            "line": lines.get(slot.code), "options": options,
            "search": search, "page": page, "shown_from": options.offset + 1, "shown_to": shown_to,
            "has_next": shown_to < options.total, "has_previous": page > 1,
            "sort": sort, "sorted": sort != DEFAULT_SORT, "sort_label": sort_label(sort, slot.category),
            "sort_choices": sort_choices(slot.category),
            # Hidden fields of the search form (keeps the sort) and the sort form (keeps the search).
            "keep_for_search": others[slot.code] + [p for p in own if p[0].startswith("sort_")],
            "keep_for_sort": others[slot.code] + [p for p in own if p[0].startswith("q_")],
            "previous_query": urlencode(others[slot.code] + own + [(f"page_{slot.code}", page - 1)]),
            "next_query": urlencode(others[slot.code] + own + [(f"page_{slot.code}", page + 1)]),
            "has_error": slot.code in problem_slots,
            "violations": [v for v in shown if slot.code in v["slots"]],
        })
    required = [s for s in template_slots if s.required]
    filled = sum(1 for s in template_slots if s.code in lines)
    next_slot = next((s for s in slots if s["slot"].code in to_do), None)
    # A conflict's next step is the part its cheapest fix changes, not merely the first slot named.
    fixed_first = {slot for v in shown if v.get("change") and v["change"]["fix"]
                   for slot in repair_slots(v["change"]["fix"])}
    fix_slot = (next((s for s in slots if s["has_error"] and s["slot"].code in fixed_first), None)
                or next((s for s in slots if s["has_error"]), None))
    progress = {
        "filled": filled, "total": len(template_slots),
        "required_filled": len(required) - len(to_do), "required": len(required),
        "to_do": [labels[c] for c in to_do], "next": next_slot, "fix": fix_slot,
    }
    schedule = [(s.year, s.kits) for s in configuration.schedule.all()]
    if schedule_form is None:
        initial = {}
        for i, (year, kits_in_year) in enumerate(schedule):
            initial[f"year_{i}"], initial[f"kits_{i}"] = year, kits_in_year
        schedule_form = forms.ScheduleForm(initial=initial, rows=max(len(schedule) + 2, 6))
    if requirements_form is None:
        requirements_form = forms.RequirementsFields(initial={
            k: getattr(configuration, k) for k in services.REQUIREMENT_FIELDS})
    return {
        "configuration": configuration, "validation": validation, "slots": slots,
        "completion": completion, "violations": shown, "progress": progress,
        # The check lists errors; warnings (evidence to renew, ...) fold away below them.
        "check": {"errors": [v for v in shown if v["severity"] == "error"],
                  "warnings": [v for v in shown if v["severity"] != "error"]},
        "price": kit_price(snapshot), "kits": kits,
        "repairs": [{"repair": r, "anchor": f"repair-{i}"} for i, r in enumerate(repairs, 1)],
        "schedule_form": schedule_form, "requirements_form": requirements_form,
        "policy_form": forms.PolicyForm(initial={"sourcing_policy": configuration.sourcing_policy},
                                        organization=request.organization,
                                        kept=configuration.sourcing_policy),
        "quote_form": quote_form or forms.QuoteRequestForm.for_terms(
            commercial_terms_get(organization=request.organization)),
        "quotes": configuration.quotes.order_by("-created_at")[:5],
        "ordered_as": selectors.configuration_order_number(configuration=configuration),
        "core_drawing": core_drawing(slots),
        "live_summary": live_summary(validation, slots),
    }


def conflict_change(violation: dict, chosen: dict, labels: dict, suggested, shown_repairs: list):
    """For an error between two or more chosen parts: which part to change, in words, and the
    cheapest of the domain's suggested repairs that removes it (added to the repairs shown
    when it is not among them, so the hint can link to it)."""
    if violation["severity"] != "error":
        return None
    fix = cheapest_fix(violation["code"], violation["slots"], suggested)
    text = change_hint(violation["slots"], chosen, labels, first=repair_slots(fix) if fix else ())
    if text is None:
        return None
    if fix is not None and fix not in shown_repairs:
        shown_repairs.append(fix)
    return {"text": text, "fix": fix,
            "anchor": f"repair-{shown_repairs.index(fix) + 1}" if fix is not None else "",
            "fix_text": _fix_words(fix) if fix is not None else ""}


def _fix_words(fix) -> str:
    """The repair's own words up to what it removes ("Swap end plate EP-1 for EP-2 (Maker, KR)"),
    with its added cost per kit."""
    words = fix.message.split(": removes")[0]
    if fix.added_cost is None:
        return words
    cost = f"{abs(fix.added_cost):,.2f}"
    sign = "−" if fix.added_cost < 0 else "+"
    return f"{words}, {sign}{cost} {REFERENCE_CURRENCY} per kit"


def core_drawing(slots: list[dict]) -> dict:
    """The motor-core cross-section of the chosen parts, for a kit template that has a core."""
    categories = {s["slot"].category for s in slots}
    stator, rotor = drawing.kit_core_sections(
        (s["slot"].category, s["line"].part.sku, s["line"].part.specs) for s in slots if s["line"])
    return {
        "applies": bool(categories & drawing.DRAWN_CATEGORIES),
        # Safe: built from numbers, with every piece of catalog text escaped.
        "svg": mark_safe(drawing.core_section_svg(stator, rotor)),
        "facts": drawing.core_section_facts(stator, rotor),
    }


def live_summary(validation: dict, slots: list[dict]) -> str:
    """One sentence for screen readers after each change: where the configuration stands."""
    violations = validation.get("violations", [])
    errors = sum(1 for v in violations if v["severity"] == "error")
    warnings = len(violations) - errors
    to_fill = sum(1 for s in slots if s["slot"].required and not s["line"])
    if validation.get("valid"):
        state = "Configuration is valid"
    elif to_fill:
        state = f"{to_fill} required slot{'s' if to_fill != 1 else ''} still to fill"
    else:
        state = "Configuration has errors"
    counts = []
    if errors:
        counts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        counts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"{state}{': ' + ', '.join(counts) if counts else ''}."


def _respond(request, configuration, *, invalid: bool = False, **extra):
    configuration = _configuration(request, configuration.pk)
    if request.htmx:  # 200 even for a form error: htmx swaps in only successful responses
        return render(request, "web/_builder.html", builder_context(request, configuration, **extra))
    if extra or invalid:  # a form with errors: show it in the full page
        return render(request, "web/configuration_builder.html",
                      builder_context(request, configuration, **extra), status=400)
    return redirect(f"/configurations/{configuration.pk}/")


@organization_required
def configuration_builder(request, pk: int):
    configuration = _configuration(request, pk)
    return render(request, "web/configuration_builder.html", builder_context(request, configuration))


def _lines(configuration) -> list[services.LineInput]:
    return [services.LineInput(slot=ln.slot, sku=ln.part.sku, quantity=ln.quantity)
            for ln in configuration.lines.all()]


def _update(request, configuration, changes: dict, done: str):
    try:
        services.configuration_update(configuration=configuration, changes=changes)
        if not request.htmx:
            messages.success(request, done)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _respond(request, configuration)


def _with_line(configuration, slot: str, sku: str | None, quantity: int | None = None):
    lines = [ln for ln in _lines(configuration) if ln.slot != slot]
    if sku:
        lines.append(services.LineInput(slot=slot, sku=sku, quantity=quantity))
    if slot == "rotor_core":  # the magnet count follows the rotor core: recompute it
        lines = [services.LineInput(slot=ln.slot, sku=ln.sku, quantity=None) if ln.slot == "magnet"
                 else ln for ln in lines]
    return lines


def _slot_error(configuration, slot: str, *, chosen: bool) -> str | None:
    """Why `slot` cannot be changed here: not a slot of the kit, or (`chosen`) holding no part."""
    if not any(s.code == slot for s in configuration.template.slots.all()):
        return f"{slot!r} is not a slot of this kit."
    if chosen and not any(ln.slot == slot for ln in configuration.lines.all()):
        return f"No part is chosen for {slot.replace('_', ' ')}: choose one first."
    return None


def _quantity_error(configuration, slot: str, quantity: int, *, chosen: bool = False) -> str | None:
    """A slot holds at most its range's maximum per kit (magnets: the template's formula cap)."""
    error = _slot_error(configuration, slot, chosen=chosen)
    if error:
        return error
    slot_def = next(s for s in configuration.template.slots.all() if s.code == slot)
    if quantity > slot_def.max_qty:
        return (f"Quantity: at most {slot_def.max_qty} per kit for "
                f"{slot.replace('_', ' ')}; {quantity} given.")
    return None


def _with_quantity(configuration, slot: str, quantity: int):
    return [services.LineInput(slot=ln.slot, sku=ln.sku,
                               quantity=quantity if ln.slot == slot else ln.quantity)
            for ln in _lines(configuration)]


@require_POST
@organization_required
def configuration_choose(request, pk: int):
    configuration = _configuration(request, pk)
    form = forms.ChooseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a part for a slot.")
        return _respond(request, configuration)
    slot, sku = form.cleaned_data["slot"], form.cleaned_data["sku"]
    return _update(request, configuration, {"lines": _with_line(configuration, slot, sku)},
                   f"{sku} chosen for {slot.replace('_', ' ')}.")


@require_POST
@organization_required
def configuration_remove(request, pk: int):
    configuration = _configuration(request, pk)
    form = forms.SlotForm(request.POST)
    error = (_slot_error(configuration, form.cleaned_data["slot"], chosen=True) if form.is_valid()
             else "Slot: " + " ".join(form.errors.get("slot", ["invalid"])))
    if error:
        messages.error(request, error)
        return _respond(request, configuration, invalid=True)
    return _update(request, configuration,
                   {"lines": _with_line(configuration, form.cleaned_data["slot"], None)},
                   "Slot emptied.")


@require_POST
@organization_required
def configuration_quantity(request, pk: int):
    configuration = _configuration(request, pk)
    form = forms.QuantityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Quantity: " + " ".join(form.errors.get("quantity", ["invalid"])))
        return _respond(request, configuration, invalid=True)
    error = _quantity_error(configuration, form.cleaned_data["slot"], form.cleaned_data["quantity"],
                            chosen=True)
    if error:
        messages.error(request, error)
        return _respond(request, configuration, invalid=True)
    lines = _with_quantity(configuration, form.cleaned_data["slot"], form.cleaned_data["quantity"])
    return _update(request, configuration, {"lines": lines}, "Quantity changed.")


@require_POST
@organization_required
def configuration_policy(request, pk: int):
    configuration = _configuration(request, pk)
    form = forms.PolicyForm(request.POST, organization=request.organization,
                            kept=configuration.sourcing_policy)
    if form.is_valid():
        return _update(request, configuration, {"sourcing_policy": form.cleaned_data["sourcing_policy"]},
                       "Sourcing policy changed.")
    messages.error(request, "Sourcing policy: " + " ".join(form.errors.get("sourcing_policy", ["invalid"])))
    return _respond(request, configuration, invalid=True)


@require_POST
@organization_required
def configuration_requirements(request, pk: int):
    configuration = _configuration(request, pk)
    form = forms.RequirementsFields(request.POST)
    if not form.is_valid():
        return _respond(request, configuration, requirements_form=form)
    changes = {k: form.cleaned_data.get(k) for k in services.REQUIREMENT_FIELDS}
    return _update(request, configuration, {"requirements": changes}, "Requirements saved.")


@require_POST
@organization_required
def configuration_schedule(request, pk: int):
    configuration = _configuration(request, pk)
    raw_rows = str(request.POST.get("rows", "6"))
    # More rows than the form holds is an error the form reports (never a silent cut).
    digits = raw_rows.isascii() and raw_rows.isdigit()  # "²" is a digit to isdigit(), not to int()
    rows = (int(raw_rows) if len(raw_rows) <= 9 else 10**9) if digits else 6
    form = forms.ScheduleForm(request.POST, rows=rows)
    if not form.is_valid():
        return _respond(request, configuration, schedule_form=form)
    return _update(request, configuration, {"schedule": form.schedule()}, "Program schedule saved.")


@require_POST
@organization_required
def configuration_apply_repair(request, pk: int):
    configuration = _configuration(request, pk)
    steps = str(request.POST.get("steps", ""))[:1000]
    if steps:  # a multi-step repair: "slot=sku" per step (no SKU: remove), in order
        return _apply_repair(request, configuration, steps=steps)
    form = forms.RepairForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{name.replace('_', ' ').capitalize()}: {' '.join(errs)}"
                                          for name, errs in form.errors.items()))
        return _respond(request, configuration, invalid=True)
    slot, sku, quantity = (form.cleaned_data["slot"], form.cleaned_data["to_sku"],
                           form.cleaned_data["quantity"])
    error = _quantity_error(configuration, slot, quantity)
    if error:
        messages.error(request, error)
        return _respond(request, configuration, invalid=True)
    return _apply_repair(request, configuration, slot=slot, to_sku=sku, quantity=quantity)


def _apply_repair(request, configuration, **named):
    """Only a repair the domain suggests for the kit as it is now, made by the domain's
    apply_repair (through the service): the view never rebuilds the lines itself."""
    repair = selectors.configuration_repair_find(configuration=configuration, **named)
    if repair is None:
        messages.error(request, "That suggestion no longer applies to the kit as it is now; "
                                "the current suggestions are below.")
        return _respond(request, configuration, invalid=True)
    try:
        services.configuration_repair_apply(configuration=configuration, repair=repair)
        if not request.htmx:
            messages.success(request, "Suggestion applied.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _respond(request, configuration)


@require_POST
@organization_required
def configuration_clone(request, pk: int):
    clone = services.configuration_clone(configuration=_configuration(request, pk), user=request.user)
    messages.success(request, "Copied. You are editing the copy.")
    return redirect(f"/configurations/{clone.pk}/")


@organization_required
def configuration_delete(request, pk: int):
    """GET (or a POST without `confirm`) asks first; deleting cannot be undone."""
    configuration = _configuration(request, pk)
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        return render(request, "web/configuration_confirm_delete.html",
                      {"configuration": configuration})
    try:
        services.configuration_delete(configuration=configuration)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(f"/configurations/{pk}/")
    messages.success(request, "Configuration deleted.")
    return redirect("/configurations/")
