"""Requests: what a public body or a citizen collective asks of the purchasing centre."""
from marshmallow import ValidationError, validate, validates_schema

from schemas.translation import lazy_gettext as _l
from schemas.base import CollectionSchema, StrictSchema
from schemas.choices import ELIGIBILITY_DECISIONS, MUNICIPALITIES, ORGANISATION_TYPES, REQUEST_STATUSES, THEMES
from schemas.contact import RequesterContactSchema
from schemas.fields import (
    LONG_TEXT,
    Choice,
    ChoiceList,
    Date,
    StaffEmail,
    EnterpriseNumber,
    Money,
    Nested,
    RefList,
    Text,
)

REQUEST_REFERENCE = r"^REQ-[0-9]{4}-[0-9]{4,}$"


class OrganisationSchema(StrictSchema):
    """The requesting organisation."""

    name = Text(_l("Organisation"), required=True)
    type = Choice(_l("Organisation type"), ORGANISATION_TYPES, required=True)
    enterprise_number = EnterpriseNumber(_l("Organisation enterprise number"))


class EligibilitySchema(StrictSchema):
    """The decision on whether the requester may use the purchasing centre, and why."""

    decision = Choice(_l("Eligibility"), ELIGIBILITY_DECISIONS, load_default="pending")
    reason = Text(_l("Eligibility reason"), max_length=1000, multiline=True)

    @validates_schema
    def _reason_for_refusal(self, data, **kwargs):
        """A refusal is always explained to the requester."""
        if data.get("decision") == "ineligible" and not data.get("reason"):
            raise ValidationError({"reason": [str(_l("Say why the request is not eligible."))]})


class RequestSchema(CollectionSchema):
    """A request for the purchasing centre's help."""

    collection = "requests"
    natural_key = "reference"
    unique_fields = ("reference",)
    # The municipality, the organisation's type, the themes and the lots are found by their names in French,
    # Dutch and English (backoffice.search.NAMED_VALUES and NAMED_REFERENCES).
    search_fields = ("reference", "project_title", "organisation.name", "organisation.type", "contact.name",
                     "contact.email", "municipality", "themes", "lots")
    managed_fields = ("status",)
    export_columns = (
        "reference", "received_on", "organisation.name", "organisation.type", "organisation.enterprise_number",
        "municipality", "contact.name", "contact.email", "contact.phone", "contact.language", "project_title",
        "themes", "lots", "estimated_budget", "expected_start", "expected_end", "status", "assigned_to",
        "eligibility.decision", "eligibility.reason", "created_at", "updated_at",
    )

    reference = Text(
        _l("Reference"),
        max_length=20,
        validate=[validate.Regexp(REQUEST_REFERENCE, error=_l("A request reference reads REQ-2026-0042."))],
        help_text=_l("Given automatically when the request is saved."),
    )
    received_on = Date(_l("Received on"), required=True)
    organisation = Nested(_l("Organisation"), OrganisationSchema, required=True)
    municipality = Choice(_l("Municipality"), MUNICIPALITIES, required=True)
    contact = Nested(_l("Contact"), RequesterContactSchema, required=True)
    project_title = Text(_l("Project title"), required=True)
    description = Text(_l("Description"), max_length=LONG_TEXT, multiline=True)
    themes = ChoiceList(_l("Themes"), THEMES, load_default=list)
    lots = RefList(_l("Lots requested"), "lots", load_default=list)
    estimated_budget = Money(_l("Estimated budget (EUR, excl. VAT)"))
    expected_start = Date(_l("Expected start"))
    expected_end = Date(_l("Expected end"))
    status = Choice(_l("Status"), REQUEST_STATUSES, load_default="received")
    assigned_to = StaffEmail(_l("Assigned to"), help_text=_l("The staff member in charge, among the active staff users."))
    eligibility = Nested(_l("Eligibility"), EligibilitySchema)
    notes = Text(_l("Notes"), max_length=LONG_TEXT, multiline=True)

    @validates_schema(skip_on_field_errors=False)
    def _check_dates(self, data, **kwargs):
        """A project cannot end before it starts."""
        start, end = data.get("expected_start"), data.get("expected_end")
        if start and end and end < start:
            raise ValidationError({"expected_end": [str(_l("The end date comes before the start date."))]})
