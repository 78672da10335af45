"""Forms of the applicant's steps and of the officer's call set-up."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.eligibility import EXCLUSION_ITEMS, INDEPENDENCE_ITEMS, OTHER_SUPPORT, exclusion_labels, expand_divisions
from applications.models import (
    BudgetCategory,
    Call,
    DocumentKind,
    FieldType,
    FileFormat,
    FormField,
    FormStep,
    PartnerList,
    Program,
    RuleKind,
    State,
    SupportLevel,
)
from applications.services.calls import EDITABLE_AFTER_OPENING
from portal import codelists
from portal.formatting import plain_number, won
from portal.forms import KRWField
from portal.identifiers import digits_only, validate_business_number
from portal.models import Certification, Region
from portal.sanitize import clean_html


def answer_form_class(fields: list[FormField]) -> type[forms.Form]:
    """A Django form for one section of a call's own form. Every field is optional here:
    drafts keep partial answers; submission checks completeness (applications/answers.py)."""
    declared: dict[str, forms.Field] = {}
    for field in fields:
        # Officer-written: Django's field template shows help text as HTML, so it is cleaned.
        common = {"label": field.label, "help_text": clean_html(field.help), "required": False}
        if field.type == FieldType.LONG_TEXT:
            attrs = {"rows": 8}
            if field.max_length:
                attrs["data-max-length"] = field.max_length
            declared[field.key] = forms.CharField(widget=forms.Textarea(attrs=attrs), strip=False, **common)
        elif field.type in (FieldType.NUMBER, FieldType.AMOUNT):
            declared[field.key] = forms.CharField(widget=forms.TextInput(attrs={"inputmode": "numeric"}), **common)
        elif field.type == FieldType.DATE:
            declared[field.key] = forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        elif field.type == FieldType.CHOICE:
            declared[field.key] = forms.ChoiceField(choices=[("", "—"), *field.choice_options()], **common)
        elif field.type == FieldType.MULTI_CHOICE:
            declared[field.key] = forms.MultipleChoiceField(choices=field.choice_options(), widget=forms.CheckboxSelectMultiple, **common)
        elif field.type == FieldType.SHORT_TEXT:
            attrs = {"data-max-length": field.max_length} if field.max_length else {}
            declared[field.key] = forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    return type("SectionForm", (forms.Form,), declared)


class OverviewForm(forms.Form):
    project_title = forms.CharField(label=_("project title"), required=False, widget=forms.TextInput(attrs={"data-max-length": 200}))
    support_level = forms.ModelChoiceField(label=_("support level"), queryset=SupportLevel.objects.none(), required=False)
    # Programs that name a solution supplier (smart factories): whom the company builds with.
    supplier_name = forms.CharField(label=_("solution supplier (공급기업)"), required=False, max_length=200,
                                    help_text=_("The supplier you chose to build the system with; the agreement names it."))
    supplier_business_number = forms.CharField(label=_("supplier's business registration number"), required=False, max_length=20,
                                               help_text=_("10 digits, e.g. 124-81-00998."))

    def __init__(self, *args, call: Call, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        levels = call.levels.all()
        if levels:
            self.fields["support_level"].queryset = levels
            self.fields["support_level"].label_from_instance = lambda level: f"{level.name} ({won(level.max_grant)})"
        else:
            del self.fields["support_level"]
        if not call.program.names_supplier:
            del self.fields["supplier_name"], self.fields["supplier_business_number"]


class BudgetLineForm(forms.Form):
    category = forms.ChoiceField(label=_("category"), choices=[("", "—"), *BudgetCategory.choices], required=False)
    description = forms.CharField(label=_("item"), max_length=200, required=False)
    amount = KRWField(label=_("amount (KRW)"), required=False, min_value=1)
    is_in_kind = forms.BooleanField(label=_("in kind"), required=False)

    def clean(self):
        data = super().clean()
        filled = [data.get("category"), data.get("description"), data.get("amount")]
        if any(filled) and not all(filled):
            raise forms.ValidationError(_("Fill in the category, the item and the amount of this line, or leave all three empty."))
        return data


BudgetLineFormSet = forms.formset_factory(BudgetLineForm, extra=3, max_num=100, absolute_max=100, validate_max=True)


class GrantForm(forms.Form):
    grant_requested = KRWField(label=_("government grant requested (KRW)"), required=False)
    partner_amount = KRWField(label=_("partner company's share (KRW)"), required=False,
                              help_text=_("What the partner company pays, as its letter of commitment states."))

    def __init__(self, *args, partner: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not partner:
            del self.fields["partner_amount"]


class DeclarationsForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = exclusion_labels()
        for key in INDEPENDENCE_ITEMS + EXCLUSION_ITEMS:
            self.fields[key] = forms.TypedChoiceField(
                label=labels[key],
                choices=[("no", _("Does not apply to us")), ("yes", _("Applies to us"))],
                widget=forms.RadioSelect,
                required=False,
                coerce=lambda v: v == "yes",
                empty_value=None,
            )
        self.fields[OTHER_SUPPORT] = forms.TypedChoiceField(
            label=_("Support for this project from another agency"),
            choices=[("no", _("None: no other agency supports this project, or has agreed to")),
                     ("yes", _("Yes: the agency, program and amount are listed below"))],
            widget=forms.RadioSelect,
            required=False,
            coerce=lambda v: v == "yes",
            empty_value=None,
        )


class OtherSupportForm(forms.Form):
    """One agency's support for the same project (중복수혜 beyond this portal)."""

    agency = forms.CharField(label=_("agency"), max_length=100, required=False)
    program = forms.CharField(label=_("program name"), max_length=200, required=False)
    amount = KRWField(label=_("amount of support (KRW)"), required=False, min_value=1, error_messages={
        "min_value": _("The amount of support is a whole number of won, more than zero."),
        "invalid": _("Write the amount in digits, e.g. 50,000,000."),
    })

    def clean(self):
        data = super().clean()
        agency, program, amount = (data.get("agency") or "").strip(), (data.get("program") or "").strip(), data.get("amount")
        if not (agency or program or amount is not None or self.errors):
            return data
        if not agency:
            self.add_error("agency", _("Name the agency that supports the project."))
        if not program:
            self.add_error("program", _("Name the agency's program."))
        if amount is None and "amount" not in self.errors:
            self.add_error("amount", _("Give the amount of support in won."))
        return data

    def row(self) -> dict | None:
        """The row as the service takes it, or None for an empty row."""
        data = self.cleaned_data
        if not (data.get("agency") or data.get("program") or data.get("amount") is not None):
            return None
        return {"agency": data["agency"], "program": data["program"], "amount": data["amount"]}


OtherSupportFormSet = forms.formset_factory(OtherSupportForm, extra=3, max_num=20, absolute_max=20, validate_max=True)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("file"), allow_empty_file=True)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("reason for withdrawing"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


# --- Officer: call set-up -----------------------------------------------------------------

class PercentOfBasisPoints(forms.DecimalField):
    """A share typed as a percentage (50, 33.33) and stored in basis points (5000, 3333), as
    the calls keep them: officers never type basis points."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 100)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):  # basis points from the call

            return plain_number(Decimal(value) / 100)
        return value

    def clean(self, value):
        if isinstance(value, int):  # a disabled field's initial value: the call's basis points, unchanged
            return value
        percent = super().clean(value)
        return None if percent is None else int((percent * 100).to_integral_value())


class KSTDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CallForm(forms.ModelForm):
    budget_total = KRWField(label=_("total government budget (KRW)"))
    max_grant = KRWField(label=_("maximum grant per application (KRW)"))
    max_grant_share_bp = PercentOfBasisPoints(label=_("maximum government share of the total cost (%)"),
                                              help_text=_("50 means the grant may be at most half of the total cost."))
    min_cash_share_bp = PercentOfBasisPoints(label=_("minimum cash part of the company's share (%)"),
                                             help_text=_("50 means at least half of the company's share is paid in cash."))
    min_partner_share_bp = PercentOfBasisPoints(label=_("partner company's share of the total cost, at least (%)"), required=False,
                                                help_text=_("Three-party funding (상생형, 자상한 기업): 30 means the partner pays at least 30 percent "
                                                            "of the total cost. 0: no partner share."))
    max_company_share_bp = PercentOfBasisPoints(label=_("company's own share of the total cost, at most (%)"), required=False,
                                                help_text=_("40 means the company itself pays at most 40 percent (three-party funding); 100: no cap."))
    partner_business_number = forms.CharField(label=_("partner's business registration number"), max_length=20, required=False,
                                              help_text=_("10 digits, e.g. 124-81-00998."))

    class Meta:
        model = Call
        fields = [
            "code", "title", "round", "notice", "opens_at", "closes_at", "budget_total", "max_grant",
            "max_grant_share_bp", "min_cash_share_bp", "min_partner_share_bp", "max_company_share_bp", "partner_name",
            "partner_business_number", "partner_representative", "max_file_mb", "max_total_mb", "max_files", "offer_days", "auto_offer", "sign_days",
            "eligibility_basis", "contact_department", "contact_phone", "contact_email", "is_published",
        ]
        widgets = {"opens_at": KSTDateTimeInput(), "closes_at": KSTDateTimeInput(), "notice": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "opens_at": _("Korea Standard Time."),
            "closes_at": _("Korea Standard Time. Submissions are refused from this minute on."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Left empty, the call keeps its number of days (seven for a new call).
        self.fields["offer_days"].required = False
        self.fields["sign_days"].required = False
        self.fields["eligibility_basis"].required = False
        self.fields["min_partner_share_bp"].required = False
        self.fields["max_company_share_bp"].required = False
        if self.instance.pk is None:
            # A new call starts from the model's defaults (50 % government share at most, no
            # minimum cash part, …): the shares are declared fields, which do not take the
            # model field's default as their initial value by themselves.
            for name in ("max_grant_share_bp", "min_cash_share_bp", "min_partner_share_bp", "max_company_share_bp"):
                self.fields[name].initial = Call._meta.get_field(name).default
        if self.instance.pk and self.instance.has_opened():
            # Once open, only these may change; the others are shown, not submitted.
            for name, field in self.fields.items():
                if name not in EDITABLE_AFTER_OPENING:
                    field.disabled = True

    def clean_min_partner_share_bp(self):
        value = self.cleaned_data.get("min_partner_share_bp")
        return value if value is not None else (self.instance.min_partner_share_bp if self.instance.pk else 0)

    def clean_max_company_share_bp(self):
        value = self.cleaned_data.get("max_company_share_bp")
        return value if value is not None else (self.instance.max_company_share_bp if self.instance.pk else 10_000)

    def clean_partner_business_number(self):
        number = digits_only(self.cleaned_data.get("partner_business_number") or "")
        if number:
            validate_business_number(number)
        return number

    def clean_eligibility_basis(self):
        return self.cleaned_data.get("eligibility_basis") or self.instance.eligibility_basis or "application"

    def clean_sign_days(self):
        return self.cleaned_data.get("sign_days") or self.instance.sign_days or Call._meta.get_field("sign_days").default

    def clean_offer_days(self):
        return self.cleaned_data.get("offer_days") or self.instance.offer_days or Call._meta.get_field("offer_days").default

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The call must close after it opens."))
        if data.get("max_grant") and data.get("budget_total") is not None and data["max_grant"] > data["budget_total"]:
            self.add_error("max_grant", _("The maximum grant cannot exceed the call's total budget."))
        return data


class LevelForm(forms.ModelForm):
    max_grant = KRWField(label=_("maximum grant (KRW)"))

    class Meta:
        model = SupportLevel
        fields = ["code", "name_ko", "name_en", "max_grant"]


class RequirementForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=DocumentKind.choices)
    name_ko = forms.CharField(label=_("name (Korean)"), max_length=200)
    name_en = forms.CharField(label=_("name (English)"), max_length=200)
    description = forms.CharField(label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_required = forms.BooleanField(label=_("required"), required=False, initial=True)
    formats = forms.MultipleChoiceField(label=_("accepted formats"), choices=FileFormat.choices, widget=forms.CheckboxSelectMultiple, initial=["pdf"])


def _code_list(text: str, pattern: str) -> list[str]:
    """'C29, c2927 ; C30' → ['C29', 'C2927', 'C30']; raises ValueError(part) on a bad one."""
    import re

    codes = []
    for part in re.split(r"[,;\s]+", (text or "").strip().upper()):
        if not part:
            continue
        if not re.fullmatch(pattern, part):
            raise ValueError(part)
        codes.append(part)
    return sorted(set(codes))


_KSIC_UNKNOWN = _("Not on the Korean Standard Industrial Classification (KSIC, 10th and 11th revisions): %(codes)s.")
_DISTRICT_UNKNOWN = _("Not a 시·도 or 시·군·구 code in force (행정표준코드): %(codes)s.")


class RuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("rule"), choices=[c for c in RuleKind.choices if c[0] != RuleKind.ONE_PER_CALL])
    is_hard = forms.BooleanField(label=_("blocks submission"), required=False, initial=True)
    group = forms.CharField(label=_("either-or group"), max_length=20, required=False,
                            help_text=_("Rules with the same group name are alternatives: one of them is enough."))
    points = forms.DecimalField(label=_("bonus points when met (soft rules only)"), required=False, min_value=0, max_value=100,
                                max_digits=4, decimal_places=1)
    scale = forms.ChoiceField(label=_("size table"), required=False, initial="sme",
                              choices=[("sme", _("SME (중소기업, 시행령 별표1)")), ("small", _("Small business (소기업, 시행령 별표3)"))])
    divisions = forms.CharField(label=_("KSIC divisions"), required=False, help_text=_("E.g. <code>C10-C34</code>, <code>J58</code>"))
    allow = forms.CharField(label=_("industry codes allowed"), required=False,
                            help_text=_("Sections, divisions or finer codes, e.g. <code>C29</code>, <code>C2927</code>, "
                                        "<code>C29271</code>. Empty: every code not excluded."))
    deny = forms.CharField(label=_("industry codes excluded"), required=False, help_text=_("E.g. <code>C1120</code>, <code>C12</code>"))
    regions = forms.MultipleChoiceField(label=_("regions"), choices=Region.choices, required=False, widget=forms.CheckboxSelectMultiple,
                                        error_messages={"invalid_choice": _("Not a 시·도 code in force (행정표준코드): %(value)s.")})
    codes = forms.CharField(label=_("시·도 or 시·군·구 codes"), required=False,
                            help_text=_("2-digit 시·도 or 5-digit 시·군·구 codes, e.g. <code>48</code>, <code>48121</code>"))
    basis = forms.ChoiceField(label=_("place checked"), required=False, initial="site",
                              choices=[("site", _("the site")), ("headquarters", _("the headquarters"))])
    years = forms.IntegerField(label=_("years since founding not yet passed"), required=False, min_value=1, max_value=100)
    min_years = forms.IntegerField(label=_("full years in business, at least"), required=False, min_value=1, max_value=100)
    min_employees = forms.IntegerField(label=_("regular employees, at least"), required=False, min_value=0, max_value=1_000_000)
    max_employees = forms.IntegerField(label=_("regular employees, at most"), required=False, min_value=0, max_value=1_000_000)
    certifications = forms.MultipleChoiceField(label=_("any of these certifications"), choices=Certification.choices, required=False,
                                               widget=forms.CheckboxSelectMultiple)
    exclusions = forms.MultipleChoiceField(
        label=_("exclusions to declare"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(k, k) for k in EXCLUSION_ITEMS], initial=list(EXCLUSION_ITEMS),
    )
    funding_scope = forms.ChoiceField(label=_("earlier funding from"), required=False, initial="same_program",
                                      choices=[("same_program", _("this program")), ("programs", _("the programs chosen below")), ("any", _("any program"))])
    funding_programs = forms.ModelMultipleChoiceField(label=_("programs"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    funding_years = forms.IntegerField(label=_("within the last … years"), required=False, min_value=1, max_value=20)
    funding_concurrent = forms.BooleanField(label=_("nor while such a project is running"), required=False)
    partner_list = forms.ModelChoiceField(label=_("partner's nominated list"), queryset=None, required=False)

    def __init__(self, *args, **kwargs) -> None:

        super().__init__(*args, **kwargs)
        labels = exclusion_labels()
        self.fields["exclusions"].choices = [(k, labels[k]) for k in EXCLUSION_ITEMS]
        self.fields["funding_programs"].queryset = Program.objects.all()
        self.fields["partner_list"].queryset = PartnerList.objects.all()

    def _codes(self, name: str, pattern: str, example: str) -> list[str]:
        try:
            return _code_list(self.cleaned_data.get(name) or "", pattern)
        except ValueError as exc:
            self.add_error(name, _("“%(part)s” is not a code like %(example)s.") % {"part": exc.args[0], "example": example})
            return []

    def _on_list(self, name: str, codes: list[str], known, message) -> None:
        """A code the official lists do not have is refused, named (portal/codelists)."""
        unknown = [code for code in codes if not known(code)]
        if unknown and name not in self.errors:
            self.add_error(name, message % {"codes": ", ".join(unknown)})

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        params: dict = {}
        points = data.get("points") or 0
        if points and data.get("is_hard"):
            self.add_error("points", _("Only a rule that does not block submission earns bonus points."))
        if kind in RULE_PARAMS:
            params = RULE_PARAMS[kind](self, data)
        data["params"] = params
        data["points"] = points
        data["group"] = (data.get("group") or "").strip()
        return data


# Each kind of rule's parameters, read from the rule form (errors added to its fields): the
# form's part of the rule kinds' registry (applications/eligibility.py, RULE_KINDS).
def _sme_size_params(form: RuleForm, data: dict) -> dict:
    return {"scale": data.get("scale") or "sme"}


def _industry_params(form: RuleForm, data: dict) -> dict:
    try:
        params = {"divisions": expand_divisions(data.get("divisions") or "")}
    except ValueError as exc:
        form.add_error("divisions", _("“%(part)s” is not a KSIC division or range such as C10-C34.") % {"part": exc.args[0]})
        return {}
    if not params["divisions"]:
        form.add_error("divisions", _("Give at least one division."))
    form._on_list("divisions", params["divisions"], codelists.is_ksic_code, _KSIC_UNKNOWN)
    return params


def _ksic_params(form: RuleForm, data: dict) -> dict:
    params = {"allow": form._codes("allow", r"[A-U]([0-9]{2,5})?", "C29271"), "deny": form._codes("deny", r"[A-U]([0-9]{2,5})?", "C29271")}
    for name in ("allow", "deny"):
        form._on_list(name, params[name], codelists.is_ksic_code, _KSIC_UNKNOWN)
    if not params["allow"] and not params["deny"] and "allow" not in form.errors and "deny" not in form.errors:
        form.add_error("allow", _("Give the codes allowed, the codes excluded, or both."))
    return params


def _region_params(form: RuleForm, data: dict) -> dict:
    if not data.get("regions"):
        form.add_error("regions", _("Choose at least one region."))
    return {"regions": data.get("regions") or []}


def _location_params(form: RuleForm, data: dict) -> dict:
    codes = form._codes("codes", r"[0-9]{2}|[0-9]{5}", "48, 48121")
    if not codes and "codes" not in form.errors:
        form.add_error("codes", _("Give at least one code."))
    form._on_list("codes", codes, lambda c: codelists.is_sido(c) or codelists.is_sigungu(c), _DISTRICT_UNKNOWN)
    return {"codes": codes, "basis": data.get("basis") or "site"}


def _max_age_params(form: RuleForm, data: dict) -> dict:
    if data.get("years") is None and data.get("min_years") is None:
        form.add_error("years", _("Give the number of years."))
    return {k: data[k] for k in ("years", "min_years") if data.get(k) is not None}


def _employees_params(form: RuleForm, data: dict) -> dict:
    low, high = data.get("min_employees"), data.get("max_employees")
    if low is None and high is None:
        form.add_error("min_employees", _("Give a lower limit, an upper limit or both."))
    elif low is not None and high is not None and low > high:
        form.add_error("max_employees", _("The upper limit is below the lower one."))
    return {k: v for k, v in (("min", low), ("max", high)) if v is not None}


def _certification_params(form: RuleForm, data: dict) -> dict:
    if not data.get("certifications"):
        form.add_error("certifications", _("Choose at least one certification."))
    return {"any_of": data.get("certifications") or []}


def _exclusions_params(form: RuleForm, data: dict) -> dict:
    return {"items": data.get("exclusions") or list(EXCLUSION_ITEMS)}


def _prior_funding_params(form: RuleForm, data: dict) -> dict:
    scope = data.get("funding_scope") or "same_program"
    programs = [p.pk for p in data.get("funding_programs") or []]
    if scope == "programs" and not programs:
        form.add_error("funding_programs", _("Choose at least one program."))
    if not data.get("funding_years") and not data.get("funding_concurrent"):
        form.add_error("funding_years", _("Give a number of years, or exclude running projects, or both."))
    return {"scope": scope, "programs": programs, "years": data.get("funding_years"), "concurrent": bool(data.get("funding_concurrent"))}


def _partner_list_params(form: RuleForm, data: dict) -> dict:
    if data.get("partner_list") is None:
        form.add_error("partner_list", _("Choose the partner's list."))
        return {}
    return {"list": data["partner_list"].pk}


# One application per company is added by the portal to every call, never through this form.
RULE_PARAMS = {
    RuleKind.SME_SIZE: _sme_size_params, RuleKind.INDUSTRY: _industry_params, RuleKind.KSIC: _ksic_params,
    RuleKind.REGION: _region_params, RuleKind.LOCATION: _location_params, RuleKind.MAX_AGE: _max_age_params,
    RuleKind.EMPLOYEES: _employees_params, RuleKind.CERTIFICATION: _certification_params, RuleKind.EXCLUSIONS: _exclusions_params,
    RuleKind.PRIOR_FUNDING: _prior_funding_params, RuleKind.PARTNER_LIST: _partner_list_params,
}


class SectionForm(forms.Form):
    title_ko = forms.CharField(label=_("title (Korean)"), max_length=200)
    title_en = forms.CharField(label=_("title (English)"), max_length=200)


class FieldForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=_("choices"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: value | Korean | English. For a file question: the accepted formats, one per line (pdf, image, hwp, hwpx, xlsx, docx)."),
    )

    class Meta:
        model = FormField
        fields = ["key", "type", "label_ko", "label_en", "help_ko", "help_en", "required", "min_length", "max_length", "min_value", "max_value"]

    def clean(self):
        data = super().clean()
        lines = [line.strip() for line in (data.get("choices_text") or "").splitlines() if line.strip()]
        kind = data.get("type")
        choices = []
        if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            for line in lines:
                parts = [p.strip() for p in line.split("|")]
                if len(parts) != 3 or not all(parts):
                    self.add_error("choices_text", _("Each choice is “value | Korean | English”."))
                    break
                choices.append({"value": parts[0], "ko": parts[1], "en": parts[2]})
            if not choices and not self.errors.get("choices_text"):
                self.add_error("choices_text", _("A choice question needs at least one choice."))
        elif kind == FieldType.FILE:
            for line in lines:
                if line not in FileFormat.values:
                    self.add_error("choices_text", _("Unknown format “%(format)s”.") % {"format": line})
                    break
                choices.append({"value": line, "ko": line, "en": line})
        data["choices"] = choices
        return data


# --- Officer: screening ---------------------------------------------------------------------

class QueueFilter(forms.Form):
    call = forms.TypedChoiceField(label=_("Call"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=_("status"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False, choices=[("", _("All regions")), *Region.choices])
    rule = forms.ChoiceField(label=_("Rule not passed"), required=False, choices=[("", "—"), *RuleKind.choices])
    older_than_days = forms.IntegerField(label=_("Submitted at least this many days ago"), required=False, min_value=0, max_value=3650)
    q = forms.CharField(label=_("Company, receipt or business number"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=[
        ("submitted", _("Oldest first")), ("-submitted", _("Newest first")), ("receipt", _("Receipt number")),
        ("company", _("Company")), ("state", _("Status"))])

    def __init__(self, *args, calls=(), **kwargs) -> None:

        super().__init__(*args, **kwargs)
        self.fields["call"].choices = [("", _("All calls")), *((c.pk, c.title) for c in calls)]
        self.fields["state"].choices = [("", _("All")), *((v, l) for v, l in State.choices if v != State.DRAFT)]


class ExpectedStateForm(forms.Form):
    expected_state = forms.CharField(widget=forms.HiddenInput, max_length=30)


class IneligibleForm(ExpectedStateForm):
    reason = forms.CharField(label=_("reason"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class RevisionRequestForm(ExpectedStateForm):
    message = forms.CharField(label=_("what to change"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    days = forms.IntegerField(
        label=_("days to revise"), min_value=1, max_value=60, initial=7,
        help_text=_("Counted from the day after the request; the revision is due at 24:00 (KST) of the last day, or of the next "
                    "working day if that day is a Saturday, Sunday or public holiday."),
    )
    steps = forms.MultipleChoiceField(label=_("parts the applicant may change"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, steps=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["steps"].choices = [(s.slug, s.title) for s in steps if s.slug != FormStep.REVIEW]


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[("begin_screening", _("Start screening")), ("pass_screening", _("Pass to evaluation"))])
    ids = forms.TypedMultipleChoiceField(coerce=int)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(v, v) for v in (self.data.getlist("ids") if hasattr(self.data, "getlist") else [])]


class ClauseForm(forms.ModelForm):
    class Meta:
        from applications.models import ClauseTemplate

        model = ClauseTemplate
        fields = ["kind", "title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"body": _("Plain text. Placeholders: {회사명}, {대표자}, {사업자등록번호}, {사업명}, {공고명}, {과제명}, {협약번호}, "
                                "{협약시작일}, {협약종료일}, {총사업비}, {정부지원금}, {기업부담금}, {현금부담금}, {현물부담금}, {협력기업부담금}, "
                                "{전담기관}, {전담기관주소}.")}
