from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import codelists
from portal.http import client_ip
from portal.identifiers import digits_only, validate_business_number
from portal.models import Certification, Company, StaffTie
from portal.privacy import consent_record

KRW_MAX = 10**16  # 1경 원: far above any company's figures, far below the column's limit.


class KRWInput(forms.TextInput):
    """Shows stored amounts with thousands separators, as people write them."""

    def format_value(self, value):
        if isinstance(value, int):
            return f"{value:,}"
        return super().format_value(value)


class KRWField(forms.IntegerField):
    """A whole number of won; accepts 1,200,000,000 and 1200000000 alike."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", KRW_MAX)
        kwargs.setdefault("widget", KRWInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace(" ", "").removesuffix("원")
        return super().to_python(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# The earliest founding date a company can give: Korea's oldest companies date from the 1890s.
EARLIEST_FOUNDING = datetime.date(1880, 1, 1)


class CompanyForm(forms.ModelForm):
    business_number = forms.CharField(
        label=_("business registration number"),
        max_length=20,
        help_text=_("10 digits, e.g. 124-81-00998."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "000-00-00000"}),
    )
    corporate_number = forms.CharField(
        label=_("corporate registration number"),
        max_length=24,
        required=False,
        help_text=_("Corporations only: 13 digits, e.g. 130111-0006246."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "000000-0000000"}),
    )
    revenue_latest = KRWField(label=_("revenue, latest year (KRW)"))
    revenue_previous = KRWField(label=_("revenue, year before (KRW)"))
    revenue_before_previous = KRWField(label=_("revenue, two years before (KRW)"))
    total_assets = KRWField(label=_("total assets (KRW)"))
    certifications = forms.MultipleChoiceField(
        label=_("certifications"), choices=Certification.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    # A name is looked up (clean_ksic_code), so the field takes more than the code's six characters.
    ksic_code = forms.CharField(label=_("industry (KSIC code)"), max_length=100,
                                help_text=_("The KSIC code, with or without its letter (<code>C29271</code> or <code>29271</code>), or the industry's name."))

    class Meta:
        model = Company
        fields = [
            "name",
            "business_number",
            "corporate_number",
            "representative_name",
            "address",
            "region",
            "sigungu",
            "hq_region",
            "hq_sigungu",
            "ksic_code",
            "founded_on",
            "employees",
            "fiscal_year",
            "revenue_latest",
            "revenue_previous",
            "revenue_before_previous",
            "total_assets",
            "certifications",
        ]
        widgets = {"founded_on": DateInput(attrs={"min": EARLIEST_FOUNDING.isoformat()})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The number identifies the company; changing it means registering another one.
            self.fields["business_number"].disabled = True
            self.initial["business_number"] = self.instance.business_number_display
            if self.instance.corporate_number:
                self.initial["corporate_number"] = self.instance.corporate_number_display
        self.fields["ksic_code"].widget.attrs.update({"placeholder": "C29271", "autocomplete": "off"})

    def clean_business_number(self) -> str:
        if self.instance.pk:
            return self.instance.business_number
        return digits_only(self.cleaned_data["business_number"])

    def clean_corporate_number(self) -> str:
        return digits_only(self.cleaned_data.get("corporate_number", ""))

    def clean_ksic_code(self) -> str:
        """A KSIC code with or without its section letter (29199 → C29199), or the name of an
        industry (반도체 제조용 기계) when it names one sub-class."""

        text = " ".join(self.cleaned_data["ksic_code"].split())
        code = text.upper().replace(" ", "")
        if code.isascii() and code.isdigit() and 2 <= len(code) <= 5:
            section = codelists.section_of(code)
            if not section:
                raise forms.ValidationError(_("%(code)s is not a code of the Korean Standard Industrial Classification (KSIC).") % {"code": code})
            return section + code
        if code[:1].isascii() and code[:1].isalpha() and code[1:].isascii() and code[1:].isdigit():
            return code
        exact = [c for c, name in codelists.ksic10().items() if len(c) == 6 and name == text]
        hits = exact or [(c) for c, _name in codelists.find_ksic(text, limit=50) if len(c) == 6]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise forms.ValidationError(_("No industry is named “%(text)s”; enter its KSIC code (e.g. C29271) or another part of its name.") % {"text": text})
        raise forms.ValidationError(_("“%(text)s” names several industries: %(found)s. Enter the code of yours.") % {
            "text": text, "found": ", ".join(codelists.ksic_label(c) for c in hits[:5]) + (" …" if len(hits) > 5 else "")})

    def clean_founded_on(self) -> datetime.date:
        founded = self.cleaned_data["founded_on"]
        if founded < EARLIEST_FOUNDING:
            # A year such as 0006 is a typing slip (a date field takes five-digit years too).
            raise forms.ValidationError(_("Check the year of the founding date: %(year)s is not possible. Enter the year in four digits, e.g. 2019.")
                                        % {"year": f"{founded.year:04d}"})
        if founded > timezone.localdate():
            raise forms.ValidationError(_("The founding date cannot be in the future."))
        return founded

    def validate_unique(self) -> None:
        # A duplicate business number is not a form error: the view offers to join instead.
        exclude = self._get_validation_exclusions()
        exclude.add("business_number")
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as exc:
            self._update_errors(exc)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("colleague's e-mail address"), max_length=254)


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("message to the owner"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ClaimForm(forms.Form):
    """A claim to a company someone else registered: its number and the representative's confirmation."""

    business_number = forms.CharField(label=_("business registration number"), max_length=20)
    document = forms.FileField(
        label=_("confirmation document"),
        help_text=_("A PDF or image showing that the company's representative confirms you act for it: for example the "
                    "사업자등록증명 with a letter signed and sealed by the representative (대표자 확인서). Up to 10 MB."),
    )
    message = forms.CharField(label=_("note for the checker"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def clean_business_number(self) -> str:

        number = digits_only(self.cleaned_data["business_number"])
        validate_business_number(number)
        return number


class ClaimDecisionForm(forms.Form):
    note = forms.CharField(label=_("reason"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Required to decline: the claimant reads it."))


class OwnTieForm(forms.Form):
    """A tie the person declares themselves (이해관계 신고)."""

    business_number = forms.CharField(label=_("business registration number"), max_length=20)
    kind = forms.ChoiceField(label=_("tie"))
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs) -> None:

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = StaffTie.Kind.choices

    def clean_business_number(self) -> str:

        number = digits_only(self.cleaned_data["business_number"])
        validate_business_number(number)
        return number


class PersonFields(forms.Form):
    """A person's name and position, as sign-up and "내 정보" ask for them."""

    name = forms.CharField(label=_("Name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"}),
                           error_messages={"required": _("Enter your name.")})
    position = forms.CharField(label=_("Position"), max_length=50, required=False,
                               widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
                               help_text=_("Your job title (e.g. 대표이사, 과장): shown beside your name when you sign an agreement."))

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Enter your name."))
        return name

    def clean_position(self) -> str:
        return " ".join(self.cleaned_data.get("position", "").split())


class SignupDetailsForm(PersonFields):
    """What allauth's sign-up form adds (ACCOUNT_SIGNUP_FORM_CLASS): the person's name and
    position, and the consents of portal/privacy.py — the required one ticked or no account."""

    # Who the person is, their sign-in, then the consents right after the notice they follow
    # (allauth applies this order once it has added its own fields).
    field_order = ["name", "position", "email", "password1", "password2", "consent_personal_information", "consent_program_news"]

    consent_personal_information = forms.BooleanField(
        label=_("I consent to the collection and use of my personal information (required)."),
        error_messages={"required": _("You can sign up only with the required consent to the collection and use of personal information.")})
    consent_program_news = forms.BooleanField(label=_("I would like news of new calls by e-mail (optional)."), required=False)

    def signup(self, request, user) -> None:

        user.name = self.cleaned_data["name"]
        user.position = self.cleaned_data.get("position", "")
        user.save(update_fields=["name", "position"])
        consent_record(user=user, answers={"personal_information": self.cleaned_data["consent_personal_information"],
                                           "program_news": self.cleaned_data.get("consent_program_news", False)},
                       ip=client_ip(request))


class ProfileForm(PersonFields):
    """내 정보: name, position and phone, and the optional consent (a change is a new consent row)."""

    phone = forms.CharField(label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"autocomplete": "tel"}))
    consent_program_news = forms.BooleanField(label=_("I would like news of new calls by e-mail (optional)."), required=False)
