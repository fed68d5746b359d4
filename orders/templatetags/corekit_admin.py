from django import template

from orders.dashboard import sales_dashboard as build

register = template.Library()


@register.simple_tag
def sales_dashboard() -> dict:
    return build()
