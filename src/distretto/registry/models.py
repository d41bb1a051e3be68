"""The registry: what a district is made of. Slim tables; rules live in ``domain/`` and services."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from distretto.bilingual import BilingualMixin
from distretto.registry.enums import (
    FigureQualifier,
    FigureUnit,
    OrganisationKind,
    PartnerRole,
    ProgrammeKind,
    StaffBand,
    Status,
    TieKind,
    TurnoverBand,
)
from distretto.registry.validators import (
    validate_founded_year,
    validate_period,
    validate_vat_number,
)
from distretto.taxonomy.models import Code, Municipality


class Organisation(BilingualMixin, models.Model):
    """A member of the district: a firm, lab, hospital, university, association..."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("address name"), max_length=220, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    summary_it = models.CharField(_("short description (Italian)"), max_length=300, blank=True)
    summary_en = models.CharField(_("short description (English)"), max_length=300, blank=True)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), blank=True)
    founded = models.PositiveSmallIntegerField(
        _("founded"), null=True, blank=True, validators=[validate_founded_year]
    )
    staff_band = models.CharField(
        _("staff band"), max_length=10, choices=StaffBand.choices, blank=True
    )
    staff_year = models.PositiveSmallIntegerField(
        _("staff band year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    turnover_band = models.CharField(
        _("turnover band"), max_length=10, choices=TurnoverBand.choices, blank=True
    )
    turnover_year = models.PositiveSmallIntegerField(
        _("turnover band year"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    vat_number = models.CharField(
        _("VAT number"), max_length=20, blank=True, validators=[validate_vat_number]
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="group_companies",
        verbose_name=_("parent group"),
    )
    codes = models.ManyToManyField(
        Code, blank=True, related_name="organisations", verbose_name=_("codes")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    source = models.TextField(
        _("sources"), blank=True, help_text=_("Where the facts of this record come from.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last update"), auto_now=True)
    # Bumped by every edit of the profile: an editor saves only over the version it read
    # (optimistic concurrency, ``distretto.concurrency``).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["vat_number"],
                condition=~models.Q(vat_number=""),
                name="organisation_vat_unique",
            )
        ]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("web:organisation", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED


class OrganisationFact(BilingualMixin, models.Model):
    """A dated, sourced fact about an organisation (staff in a year, an acquisition...)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="facts", verbose_name=_("organisation")
    )
    text_it = models.TextField(_("fact (Italian)"))
    text_en = models.TextField(_("fact (English)"))
    period = models.CharField(_("period"), max_length=40, blank=True, validators=[validate_period])
    source = models.TextField(_("source"))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("fact")
        verbose_name_plural = _("facts")

    def __str__(self) -> str:
        return self.tr("text")


class Site(BilingualMixin, models.Model):
    """A place where an organisation works: plant, office, laboratory."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="sites", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="sites", verbose_name=_("municipality")
    )
    # Empty coordinates mean "somewhere in the municipality": maps use its centre.
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    activities_it = models.TextField(_("what happens here (Italian)"), blank=True)
    activities_en = models.TextField(_("what happens here (English)"), blank=True)
    is_headquarters = models.BooleanField(_("headquarters"), default=False)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        ordering = ["-is_headquarters", "pk"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return f"{self.organisation} · {self.name or self.municipality.name}"

    @property
    def point(self) -> tuple[float, float]:
        """(latitude, longitude): the site's own, else its municipality's centre."""
        if self.latitude is not None and self.longitude is not None:
            return float(self.latitude), float(self.longitude)
        return float(self.municipality.latitude), float(self.municipality.longitude)

    @property
    def has_exact_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class Person(models.Model):
    """A contact person; shown only as far as the person consented."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="people",
        verbose_name=_("organisation"),
    )
    full_name = models.CharField(_("full name"), max_length=200)
    role = models.CharField(_("role"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    consent_members = models.BooleanField(_("visible to members"), default=False)
    consent_public = models.BooleanField(_("visible publicly"), default=False)
    consent_contact = models.BooleanField(_("may be contacted"), default=False)
    consent_recorded_at = models.DateTimeField(_("consent recorded"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_records",
        verbose_name=_("user account"),
    )

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name


class Tie(BilingualMixin, models.Model):
    """A typed, dated, sourced relation from one organisation to another."""

    from_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="ties_out",
        verbose_name=_("from"),
    )
    to_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="ties_in",
        verbose_name=_("to"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=TieKind.choices)
    process_step = models.ForeignKey(
        Code,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ties",
        verbose_name=_("process step"),
    )
    year_from = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True)
    year_to = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    note_it = models.CharField(_("note (Italian)"), max_length=300, blank=True)
    note_en = models.CharField(_("note (English)"), max_length=300, blank=True)
    source = models.TextField(_("source"))

    class Meta:
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_organisation=models.F("to_organisation")),
                name="tie_not_to_self",
            )
        ]
        verbose_name = _("tie")
        verbose_name_plural = _("ties")

    def __str__(self) -> str:
        return f"{self.from_organisation} → {self.get_kind_display()} → {self.to_organisation}"


class Programme(BilingualMixin, models.Model):
    """A funding programme or call, or a district programme (e.g. MATCHER)."""

    slug = models.SlugField(_("address name"), max_length=120, unique=True)
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=ProgrammeKind.choices)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    edition = models.CharField(_("edition"), max_length=60, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    url = models.URLField(_("link"), blank=True)
    organiser = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="programmes_run",
        verbose_name=_("organiser"),
    )
    participants: models.ManyToManyField[Organisation, ProgrammeParticipant] = (
        models.ManyToManyField(
            Organisation,
            through="ProgrammeParticipant",
            related_name="programmes",
            verbose_name=_("participants"),
        )
    )
    source = models.TextField(_("source"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme or call")
        verbose_name_plural = _("programmes and calls")

    def __str__(self) -> str:
        return f"{self.name} ({self.edition})" if self.edition else self.name


class ProgrammeParticipant(BilingualMixin, models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, verbose_name=_("programme"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    role_it = models.CharField(_("role (Italian)"), max_length=200, blank=True)
    role_en = models.CharField(_("role (English)"), max_length=200, blank=True)
    source = models.TextField(_("source"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "organisation"], name="programme_participant_unique"
            )
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.organisation} in {self.programme}"


class Project(BilingualMixin, models.Model):
    """A collaborative project (e.g. ICL, FARE) with its partners."""

    slug = models.SlugField(_("address name"), max_length=120, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    programme = models.ForeignKey(
        Programme,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("programme"),
    )
    year_start = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    year_end = models.PositiveSmallIntegerField(_("end year"), null=True, blank=True)
    partners: models.ManyToManyField[Organisation, ProjectPartner] = models.ManyToManyField(
        Organisation, through="ProjectPartner", related_name="projects", verbose_name=_("partners")
    )
    source = models.TextField(_("source"))

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return f"{self.acronym} – {self.name}"


class ProjectPartner(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, verbose_name=_("project"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, verbose_name=_("organisation")
    )
    role = models.CharField(
        _("role"), max_length=20, choices=PartnerRole.choices, default=PartnerRole.PARTNER
    )
    source = models.TextField(_("source"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation"], name="project_partner_unique"
            )
        ]
        verbose_name = _("project partner")
        verbose_name_plural = _("project partners")

    def __str__(self) -> str:
        return f"{self.organisation} in {self.project.acronym}"


class District(BilingualMixin, models.Model):
    """The district this instance serves, with its territory and profile."""

    slug = models.SlugField(_("address name"), max_length=60, unique=True)
    name_it = models.CharField(_("name (Italian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description_it = models.TextField(_("description (Italian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    nuts_codes = models.ManyToManyField(
        Code, blank=True, related_name="districts", verbose_name=_("NUTS regions")
    )
    municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="districts", verbose_name=_("core municipalities")
    )
    centre = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("centre"),
    )
    radius_km = models.PositiveSmallIntegerField(
        _("radius (km)"),
        null=True,
        blank=True,
        help_text=_("About how far from the centre the district reaches"),
    )
    source = models.TextField(_("source"))

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.tr("name")


class DistrictFigure(BilingualMixin, models.Model):
    """A key figure of the district as a source states it, with its period."""

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="figures", verbose_name=_("district")
    )
    label_it = models.CharField(_("label (Italian)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    number = models.DecimalField(_("value"), max_digits=14, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=20, choices=FigureUnit.choices)
    qualifier = models.CharField(
        _("qualifier"), max_length=10, choices=FigureQualifier.choices, blank=True
    )
    change_percent = models.DecimalField(
        _("change on the previous period (%)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Only when the source states the change next to the value."),
    )
    period = models.CharField(_("period"), max_length=40, blank=True, validators=[validate_period])
    territory_it = models.CharField(_("territory (Italian)"), max_length=200, blank=True)
    territory_en = models.CharField(_("territory (English)"), max_length=200, blank=True)
    source = models.TextField(_("source"))
    featured = models.BooleanField(_("on the home page"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")

    def __str__(self) -> str:
        return f"{self.tr('label')} ({self.period}): {self.number} {self.unit}"


class DistrictFact(BilingualMixin, models.Model):
    """A sourced statement about the district or its region (history, focus, memberships)."""

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="facts", verbose_name=_("district")
    )
    topic = models.CharField(_("topic"), max_length=40)
    text_it = models.TextField(_("text (Italian)"))
    text_en = models.TextField(_("text (English)"))
    territory = models.CharField(
        _("territory"), max_length=10, blank=True, help_text=_("NUTS code, empty for the district")
    )
    period = models.CharField(_("period"), max_length=40, blank=True, validators=[validate_period])
    source = models.TextField(_("source"))
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("district fact")
        verbose_name_plural = _("district facts")

    def __str__(self) -> str:
        return self.tr("text")[:80]
