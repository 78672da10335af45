from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal.identifiers import IdentifierField, validate_business_number


class ProgramFamily(models.TextChoices):
    """Programs whose agreements share one set of standard clauses (협약 일반조건)."""

    SMART_FACTORY = "smart_factory", _("Smart factory (스마트공장)")
    MATERIALS = "materials", _("Materials, parts and equipment (소재·부품·장비)")
    WIN_WIN = "win_win", _("Win-win partnership (자상한 기업·상생형)")
    FREE_ZONE = "free_zone", _("Regulation-free zone (규제자유특구)")


class Program(models.Model):
    """A support program (사업), e.g. 스마트공장 구축·고도화. Runs calls."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    # Chosen by an administrator for every program, never assumed: it decides which standard
    # clauses its agreements print. Empty (NULL) only for a program from before the choice was
    # required whose family could not be told from its code or name (migration 0031): its
    # calls are not published and no agreement is prepared or issued until it is chosen.
    family = models.CharField(_("program family"), max_length=20, choices=ProgramFamily.choices, null=True, blank=False,
                              help_text=_("Decides the standard clauses of the program's agreements. Until it is chosen, the program's "
                                          "calls cannot be published and no agreement can be prepared."))
    managing_agency = models.CharField(_("managing agency"), max_length=200)
    agency_address = models.CharField(_("address of the managing agency"), max_length=200, blank=True,
                                      help_text=_("Printed in the agreement as the address for notices."))
    # Who signs agreements for the agency (기관장); the officer who countersigns is its 담당자.
    agency_head_title = models.CharField(_("title of the agency head"), max_length=50, default="기관장",
                                         help_text=_("E.g. 원장, 단장, 이사장."))
    agency_head_name = models.CharField(_("name of the agency head"), max_length=100, blank=True)
    # The program's rules say how long the documents of an application it never selected are
    # kept (portal/retention.py destroys them then): counted from the later of the
    # application's last event and its call's closing. A year covers the time to bring an
    # administrative suit against the result (행정소송법 §20 ②).
    unselected_documents_months = models.PositiveSmallIntegerField(
        _("documents of applications not selected kept for (months)"), default=12,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("As the program's rules set it; counted from the application's result or the call's closing, whichever is later."),
    )
    # The funder named in the open data (opendata/): the agency's business registration number
    # makes its org-id (KR-BRN-…), so that its grants join up with other publishers' data.
    agency_business_number = IdentifierField(
        _("business registration number of the managing agency"), max_length=10, blank=True, validators=[validate_business_number],
        help_text=_("Identifies the agency as the funder in the open data (KR-BRN-…)."))
    # Executed agreements are published as open data (360Giving) this many days after they
    # came into force: the program's rules may hold them back, e.g. until the award is announced.
    open_data_delay_days = models.PositiveSmallIntegerField(
        _("open data published after (days)"), default=30, validators=[MaxValueValidator(3650)],
        help_text=_("Days after an agreement is executed before it appears in the open data; 0 publishes it at once."))
    # Smart-factory programs: the company builds with a solution supplier (공급기업) it chose,
    # named in the application and on the agreement.
    names_supplier = models.BooleanField(
        _("applications name a solution supplier (공급기업)"), default=False,
        help_text=_("Smart-factory programs: the company names the supplier it chose, and the agreement names it too."))
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProgramOfficer", related_name="officer_of_programs", blank=True
    )

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name_ko"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" and self.name_en else self.name_ko

    @property
    def description(self) -> str:
        return self.description_en if translation.get_language() == "en" and self.description_en else self.description_ko

    def family_missing(self) -> str:
        """Why nothing that needs the program's family can be done yet ('' once it is chosen)."""
        if self.family:
            return ""
        return _("No program family is set for “%(program)s”, so it is not known which standard agreement clauses apply. "
                 "An administrator must choose it in the program's settings; until then no call of the program can be published "
                 "and no agreement can be prepared or issued.") % {"program": self.name}

    def require_family(self) -> None:
        """Refuse (ValidationError) while the family is not chosen: an agreement never takes
        another family's clauses."""
        missing = self.family_missing()
        if missing:
            raise ValidationError(missing, code="no_family")


class ProgramOfficer(models.Model):
    """A person who runs a program's calls (사업담당자)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="officer_links", verbose_name=_("program"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="officer_links", verbose_name=_("person"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("program officer")
        verbose_name_plural = _("program officers")
        constraints = [models.UniqueConstraint(fields=["program", "user"], name="one_officer_link_per_program")]

    def __str__(self) -> str:
        return f"{self.user} — {self.program}"
