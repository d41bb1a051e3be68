"""factory_boy factories for the registry, taxonomies and accounts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from distretto.accounts.models import Membership, User
from distretto.registry.models import Organisation, Person, Site, Tie
from distretto.taxonomy.models import Code, Municipality, Taxonomy


class TaxonomyFactory(DjangoModelFactory):
    class Meta:
        model = Taxonomy
        django_get_or_create = ("slug",)

    slug = "segment"
    name_it = factory.LazyAttribute(lambda o: f"Tassonomia {o.slug}")
    name_en = factory.LazyAttribute(lambda o: f"Taxonomy {o.slug}")
    is_filter = True


class CodeFactory(DjangoModelFactory):
    class Meta:
        model = Code
        django_get_or_create = ("taxonomy", "code")

    taxonomy = factory.SubFactory(TaxonomyFactory)
    code = factory.Sequence(lambda n: f"code-{n}")
    label_it = factory.LazyAttribute(lambda o: f"etichetta {o.code}")
    label_en = factory.LazyAttribute(lambda o: f"label {o.code}")


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("istat_code",)

    istat_code = "036022"
    name = "Mirandola"
    province = "MO"
    nuts3 = "ITH54"
    latitude = Decimal("44.887207")
    longitude = Decimal("11.066106")
    source = "ISTAT"


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))
    kind = "sme"
    summary_it = "Produttore di dispositivi medici"
    summary_en = "Medical device maker"
    status = "published"
    source = "test factory"


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = Site

    organisation = factory.SubFactory(OrganisationFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    name = "Plant"


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    organisation = factory.SubFactory(OrganisationFactory)
    full_name = factory.Sequence(lambda n: f"Person {n}")
    role = "Innovation manager"
    email = factory.Sequence(lambda n: f"person{n}@example.org")


class TieFactory(DjangoModelFactory):
    class Meta:
        model = Tie

    from_organisation = factory.SubFactory(OrganisationFactory)
    to_organisation = factory.SubFactory(OrganisationFactory)
    kind = "supplies"
    source = "test factory"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "member"


class OrganisationFactFactory(DjangoModelFactory):
    class Meta:
        model = "registry.OrganisationFact"

    organisation = factory.SubFactory(OrganisationFactory)
    text_it = factory.Sequence(lambda n: f"Fatto {n}")
    text_en = factory.Sequence(lambda n: f"Fact {n}")
    period = "2024"
    source = "test factory"


class ProjectFactory(DjangoModelFactory):
    class Meta:
        model = "registry.Project"
        django_get_or_create = ("slug",)

    acronym = factory.Sequence(lambda n: f"PRJ{n}")
    slug = factory.LazyAttribute(lambda o: o.acronym.lower())
    name = factory.LazyAttribute(lambda o: f"Project {o.acronym}")
    source = "test factory"


class ProjectPartnerFactory(DjangoModelFactory):
    class Meta:
        model = "registry.ProjectPartner"

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "partner"
    source = "test factory"


# --- organisation import/export: the reference data an import file refers to ---------


def italian_vat(first_ten: str) -> str:
    """A valid partita IVA from ten digits, its check digit computed here (no real firm's)."""
    total = 0
    for index, char in enumerate(first_ten):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return first_ten + str((10 - total % 10) % 10)


IMPORT_CODES = {
    "segment": ("dialysis", "cardiac_surgery"),
    "process_step": ("injection_moulding", "cleanroom_assembly"),
    "certification": ("iso13485",),
    "value_chain": ("medtech",),
    "ateco2025": ("32.50.1",),
    "ateco2007": ("32.50.11",),
    "emdn": ("F", "F01", "F0106"),
}


def import_reference_data() -> None:
    """Two municipalities (Mirandola, Medolla) and a few codes of each taxonomy the import names."""
    MunicipalityFactory(istat_code="036022", name="Mirandola")
    MunicipalityFactory(
        istat_code="036021",
        name="Medolla",
        latitude=Decimal("44.848"),
        longitude=Decimal("11.071"),
    )
    for slug, codes in IMPORT_CODES.items():
        taxonomy = TaxonomyFactory(slug=slug)
        for order, code in enumerate(codes, start=1):
            CodeFactory(taxonomy=taxonomy, code=code, sort_order=order)


# --- cooperation profiles and expressions of interest --------------------------------


class CooperationProfileFactory(DjangoModelFactory):
    class Meta:
        model = "opportunities.CooperationProfile"

    profile_type = "technology_offer"
    title = factory.Sequence(lambda n: f"Profile {n}")
    summary = "A membrane oxygenator ready for licensing"
    description = "Hollow-fibre oxygenator for ECMO circuits."
    language = "en"
    expires_on = factory.LazyFunction(lambda: date.today() + timedelta(days=90))
    status = "published"
    owner = factory.SubFactory(OrganisationFactory)


class ExpressionOfInterestFactory(DjangoModelFactory):
    class Meta:
        model = "opportunities.ExpressionOfInterest"

    profile = factory.SubFactory(CooperationProfileFactory)
    from_organisation = factory.SubFactory(OrganisationFactory)
    message = "We would like to know more."
    status = "sent"


def organisation_form_data(org, **changes):
    """What the organisation edit form posts for ``org`` as it is, with ``changes``."""
    data = {
        "name": org.name,
        "legal_name": org.legal_name,
        "summary_it": org.summary_it,
        "summary_en": org.summary_en,
        "description_it": "",
        "description_en": "",
        "website": "",
        "founded": "",
        "vat_number": "",
        "staff_band": "",
        "staff_year": "",
        "turnover_band": "",
        "turnover_year": "",
        "source": org.source,
    }
    data.update(changes)
    return data
