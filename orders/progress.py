"""The buyer's view of a quote being produced: the worker's real steps and how long they took.

Read from the quote's own state (status, the step the worker recorded, timestamps), so
the page never shows a guess such as a bar stuck at 60 %.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

from core import clock
from orders.domain import quote_states
from orders.models import Quote

S, Step = Quote.Status, Quote.Step


@dataclass(frozen=True)
class StepView:
    key: str
    label: str
    state: str  # done | current | pending | failed


@dataclass(frozen=True)
class QuoteProgress:
    steps: list[StepView]
    elapsed: str  # since the request (until ready/failed once it is over)
    step_elapsed: str  # in the current step, "" when over
    current_label: str
    failed: bool


def elapsed_text(delta: dt.timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def quote_progress(quote: Quote) -> QuoteProgress:
    order = [Step.QUEUED, Step.PRICING]
    if settings.COREKIT_QUOTE_RENDER_PDF:
        order.append(Step.RENDERING)
    keys = [str(s) for s in order] + ["ready"]
    labels = {**{str(s): s.label for s in order}, "ready": "Ready"}
    now = clock.now()
    failed = quote.status == S.FAILED
    if quote.status in quote_states.IN_PROGRESS:
        current = quote.progress_step if quote.progress_step in keys else str(Step.QUEUED)
        if quote.status == S.QUEUED:
            current = str(Step.QUEUED)
        end = now
    elif failed:
        current = quote.progress_step if quote.progress_step in keys else str(Step.PRICING)
        end = quote.updated_at or now
    else:
        current = "ready"
        end = quote.ready_at or now
    index = keys.index(current)
    steps = []
    for i, key in enumerate(keys):
        if i < index or (key == "ready" and current == "ready"):
            state = "done"
        elif i == index:
            state = "failed" if failed else "current"
        else:
            state = "pending"
        steps.append(StepView(key=key, label=labels[key], state=state))
    over = current == "ready" or failed
    started = quote.step_started_at or quote.created_at
    return QuoteProgress(
        steps=steps,
        elapsed=elapsed_text(end - quote.created_at) if quote.created_at else "",
        step_elapsed="" if over or started is None else elapsed_text(now - started),
        current_label=labels[current],
        failed=failed,
    )
