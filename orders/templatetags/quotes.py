"""Template filters that ask the quote state machine (orders.domain.quote_states), so no
template spells out a list of quote statuses."""

from django import template

from orders.domain import quote_states

register = template.Library()


@register.filter
def quote_awaiting_approval(quote) -> bool:
    """Offered with terms no sales rep has approved yet: a draft, shown without a price."""
    return quote_states.awaiting_approval(status=quote.status, approval_pending=quote.approval_pending)


@register.filter
def quote_binding(status: str) -> bool:
    """A binding offer or the order it became."""
    return quote_states.is_binding(status=status)


@register.filter
def quote_failed(status: str) -> bool:
    return status == quote_states.FAILED


@register.filter
def quote_badge_tone(status: str) -> str:
    """The CSS tone of a quote's status badge in listings: "ok", "err" or ""."""
    return quote_states.badge_tone(status=status)
