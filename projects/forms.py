from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.forms import DateInput, KRWField
from projects.models import ACCOUNT_NUMBER

REASON_MAX = 2000


class AccountForm(forms.Form):
    bank = forms.CharField(label=_("bank"), max_length=40)
    number = forms.CharField(label=_("account number"), max_length=30, help_text=_("Digits, with or without hyphens."),
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    holder = forms.CharField(label=_("account holder"), max_length=100)

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip().replace(" ", "")
        if not ACCOUNT_NUMBER.match(number) or not 8 <= sum(ch.isdigit() for ch in number) <= 20:
            raise forms.ValidationError(_("An account number is 8 to 20 digits, with or without hyphens."))
        return number


class ReportForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput, max_length=30)
    summary = forms.CharField(label=_("summary of the final report"), max_length=8000, widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("What was carried out, what it achieved and how the money was used."))


class ExpectedStateForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput, max_length=30)


class ReasonForm(ExpectedStateForm):
    reason = forms.CharField(label=_("reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The company is told this reason."))


class PaymentForm(ExpectedStateForm):
    paid_on = forms.DateField(label=_("paid on"), widget=DateInput())
    amount = KRWField(label=_("amount paid (KRW)"), min_value=1)

    @classmethod
    def for_payment(cls, payment, data=None):
        return cls(data, initial={"paid_on": timezone.localdate(), "amount": payment.amount, "expected_state": payment.state},
                   prefix=f"pay-{payment.pk}")
