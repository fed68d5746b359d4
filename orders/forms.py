from django import forms

from orders.models import PO_NUMBER_MAX_LENGTH


class PlaceOrderForm(forms.Form):
    """The deliberate step between a quote and a binding order."""

    po_number = forms.CharField(label="Your purchase-order number", max_length=PO_NUMBER_MAX_LENGTH,
                                help_text="as issued by your purchasing system; printed on the order",
                                error_messages={"required": "Enter your purchase-order number."})
    terms_accepted = forms.BooleanField(
        label="I accept the quote's terms above and place a binding order",
        error_messages={"required": "Confirm the terms to place the order."},
    )


class RejectQuoteForm(forms.Form):
    reason = forms.CharField(label="Why do you reject this quote?", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="your sales contact reads it")
