"""Briefings: the tailored specification sent to the providers of one or more lots."""
import datetime as dt

from marshmallow import ValidationError, validate, validates_schema

from schemas.translation import lazy_gettext as _l
from schemas.base import CollectionSchema, StrictSchema, _put
from schemas.choices import AWARD_ROUTES, BRIEFING_STATUSES, INVITATION_RESPONSES, LANGUAGES
from schemas.fields import (
    LONG_TEXT,
    Choice,
    Date,
    Integer,
    LocalDateTime,
    Money,
    NestedList,
    Ref,
    RefList,
    Text,
)

BRIEFING_REFERENCE = r"^BRF-[0-9]{4}-[0-9]{4,}$"
BRIEFING_LANGUAGES = {code: LANGUAGES[code] for code in ("fr", "nl")}
# Statuses in which the briefing has left the house, so it needs its offer deadline.
SENT_STATUSES = {"sent", "offers_received", "awarded", "closed"}


class AwardCriterionSchema(StrictSchema):
    """One announced award criterion and its weight out of 100."""

    name = Text(_l("Criterion"), max_length=120, required=True)
    weight = Integer(_l("Weight"), minimum=1, maximum=100, required=True)


class CriterionScoreSchema(StrictSchema):
    """The score an offer got on one award criterion, out of 100."""

    criterion = Text(_l("Criterion"), max_length=120, required=True)
    score = Integer(_l("Score out of 100"), minimum=0, maximum=100, required=True)


class InvitationSchema(StrictSchema):
    """A provider invited for one lot, and its answer."""

    provider = Ref(_l("Provider"), "providers", required=True)
    lot = Ref(_l("Lot"), "lots", required=True)
    sent_on = Date(_l("Sent on"))
    response = Choice(_l("Response"), INVITATION_RESPONSES, load_default="pending")
    offer_amount = Money(_l("Offer amount (EUR, excl. VAT)"))
    score = Integer(_l("Score out of 100"), minimum=0, maximum=100)
    criterion_scores = NestedList(_l("Scores per criterion"), CriterionScoreSchema, max_items=12)

    @validates_schema
    def _amount_with_offer(self, data, **kwargs):
        """An offer has an amount; a refusal or a silence has none."""
        if data.get("response") == "offer" and data.get("offer_amount") is None:
            raise ValidationError({"offer_amount": [str(_l("An offer needs its amount."))]})
        if data.get("response") != "offer" and data.get("offer_amount") is not None:
            raise ValidationError({"offer_amount": [str(_l("Only an offer has an amount."))]})
        if data.get("response") != "offer" and data.get("score") is not None:
            raise ValidationError({"score": [str(_l("Only an offer is scored."))]})


class BriefingSchema(CollectionSchema):
    """A briefing (cahier des charges / bestek) for a request."""

    collection = "briefings"
    natural_key = "reference"
    unique_fields = ("reference",)
    search_fields = ("reference", "request", "context", "objectives")
    managed_fields = ("status", "invitations", "awarded_provider", "awarded_amount", "awarded_on", "award_override_reason")
    export_columns = (
        "reference", "request", "lots", "language", "budget_max", "offer_deadline", "award_route",
        "awarded_provider", "awarded_amount", "awarded_on", "status", "updated_at",
    )

    reference = Text(
        _l("Reference"),
        max_length=20,
        validate=[validate.Regexp(BRIEFING_REFERENCE, error=_l("A briefing reference reads BRF-2026-0007."))],
        help_text=_l("Given automatically when the briefing is saved."),
    )
    request = Ref(_l("Request"), "requests", required=True)
    lots = RefList(_l("Lots"), "lots", min_items=1, required=True)
    language = Choice(_l("Language of the briefing"), BRIEFING_LANGUAGES, required=True)
    context = Text(_l("Context"), max_length=LONG_TEXT, multiline=True)
    objectives = Text(_l("Objectives"), max_length=LONG_TEXT, multiline=True)
    target_audiences = Text(_l("Target audiences"), max_length=LONG_TEXT, multiline=True)
    deliverables = Text(_l("Deliverables"), max_length=LONG_TEXT, multiline=True)
    budget_max = Money(_l("Maximum budget (EUR, excl. VAT)"))
    offer_deadline = LocalDateTime(_l("Offer deadline"), help_text=_l("Brussels time."))
    award_route = Choice(_l("Award route"), AWARD_ROUTES, load_default="cascade")
    award_criteria = NestedList(_l("Award criteria"), AwardCriterionSchema, max_items=12, load_default=list)
    invitations = NestedList(_l("Invitations"), InvitationSchema, max_items=100, load_default=list)
    awarded_provider = Ref(_l("Awarded provider"), "providers")
    awarded_amount = Money(_l("Awarded amount (EUR, excl. VAT)"))
    awarded_on = Date(_l("Awarded on"))
    award_override_reason = Text(
        _l("Reason for awarding above the budget"), max_length=1000, multiline=True,
        help_text=_l("Required when the awarded amount exceeds the maximum budget."),
    )
    status = Choice(_l("Status"), BRIEFING_STATUSES, load_default="draft")

    @validates_schema
    def _check_briefing(self, data, **kwargs):
        """Criteria weigh 100 in all, invitations match the lots, and each stage has what it needs."""
        errors = {}
        criteria = data.get("award_criteria", [])
        if criteria and sum(item["weight"] for item in criteria) != 100:
            _put(errors, ("award_criteria",), str(_l("The weights of the award criteria add up to 100.")))
        if data.get("award_route") == "mini_competition" and not criteria:
            _put(errors, ("award_criteria",), str(_l("A mini-competition announces its award criteria.")))
        self._check_invitations(data, errors)
        self._check_stage(data, errors)
        if errors:
            raise ValidationError(errors)

    def _check_invitations(self, data, errors):
        lots = set(data.get("lots", []))
        seen = set()
        for index, invitation in enumerate(data.get("invitations", [])):
            pair = (invitation["provider"], invitation["lot"])
            if invitation["lot"] not in lots:
                _put(errors, ("invitations", index, "lot"), str(_l("This lot is not one of the briefing's lots.")))
            elif pair in seen:
                _put(errors, ("invitations", index, "provider"), str(_l("This provider is already invited for this lot.")))
            elif self.refs is not None and not self.refs.party_to(invitation["provider"], invitation["lot"]):
                _put(errors, ("invitations", index, "provider"), str(_l("This provider is not party to this lot.")))
            seen.add(pair)

    def _check_stage(self, data, errors):
        status = data.get("status")
        if status in SENT_STATUSES and not data.get("offer_deadline"):
            _put(errors, ("offer_deadline",), str(_l("A briefing that is sent needs an offer deadline.")))
        # Rules on today's date apply at the moment of the action, not to history re-saved later.
        before = (self.previous or {}).get("status")
        deadline = data.get("offer_deadline")
        today = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        if self.today_rules and deadline and status != before:
            if status == "sent" and deadline <= today:
                _put(errors, ("offer_deadline",), str(_l("The offer deadline must be in the future when the briefing is sent.")))
            if status == "awarded" and deadline > today:
                _put(errors, ("status",), str(_l("Nothing is awarded before the offer deadline.")))
        if status in ("awarded", "closed"):
            for name in ("awarded_provider", "awarded_amount", "awarded_on"):
                if data.get(name) is None:
                    _put(errors, (name,), str(_l("An awarded briefing names its provider, amount and date.")))
        offers = {item["provider"] for item in data.get("invitations", []) if item.get("response") == "offer"}
        if data.get("awarded_provider") and data["awarded_provider"] not in offers:
            _put(errors, ("awarded_provider",), str(_l("The awarded provider must have been invited and made an offer.")))
        budget, amount = data.get("budget_max"), data.get("awarded_amount")
        if budget is not None and amount is not None and amount > budget and not data.get("award_override_reason"):
            _put(errors, ("awarded_amount",), str(_l("The awarded amount exceeds the maximum budget: give the reason for the exception.")))
        deadline, awarded_on = data.get("offer_deadline"), data.get("awarded_on")
        if deadline and awarded_on and awarded_on.date() < deadline.date():
            _put(errors, ("awarded_on",), str(_l("Nothing is awarded before the offer deadline.")))
