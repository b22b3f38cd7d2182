"""Briefings: the tailored specification sent to the providers of one or more lots."""
import datetime as dt

from marshmallow import ValidationError, validate, validates_schema

from schemas.translation import lazy_gettext as _l
from schemas.base import CollectionSchema, StrictSchema, _put
from schemas.choices import AWARD_OUTCOMES, AWARD_ROUTES, BRIEFING_STATUSES, INVITATION_RESPONSES, LANGUAGES
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


class AwardSchema(StrictSchema):
    """The decision on one lot of a briefing: awarded to a provider, or closed without award."""

    lot = Ref(_l("Lot"), "lots", required=True)
    outcome = Choice(_l("Outcome"), AWARD_OUTCOMES, required=True)
    provider = Ref(_l("Awarded provider"), "providers")
    amount = Money(_l("Awarded amount (EUR, excl. VAT)"))
    awarded_on = Date(_l("Decided on"), required=True)
    route = Choice(_l("Award route"), AWARD_ROUTES)
    score = Integer(_l("Weighted score"), minimum=0, maximum=100)
    reason = Text(
        _l("Reason"), max_length=1000, multiline=True,
        help_text=_l("Why not the best-ranked offer, why above the budget, or why no award."),
    )

    @validates_schema
    def _complete(self, data, **kwargs):
        """An award names its provider and amount; a lot closed without award says why and names nobody."""
        errors = {}
        if data.get("outcome") == "awarded":
            for name in ("provider", "amount"):
                if data.get(name) is None:
                    errors[name] = [str(_l("An award names its provider and amount."))]
        if data.get("outcome") == "no_award":
            if not (data.get("reason") or "").strip():
                errors["reason"] = [str(_l("Say why the lot is closed without award."))]
            for name in ("provider", "amount"):
                if data.get(name) is not None:
                    errors[name] = [str(_l("A lot closed without award names no provider nor amount."))]
        if errors:
            raise ValidationError(errors)


class BriefingSchema(CollectionSchema):
    """A briefing (cahier des charges / bestek) for a request."""

    collection = "briefings"
    natural_key = "reference"
    unique_fields = ("reference",)
    # Its lots are found by their titles in French, Dutch and English (backoffice.search.NAMED_REFERENCES).
    search_fields = ("reference", "request", "context", "objectives", "lots")
    managed_fields = ("status", "invitations", "awards")
    export_columns = (
        "reference", "request", "lots", "language", "budget_max", "offer_deadline", "award_route",
        "awards", "status", "updated_at",
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
    awards = NestedList(_l("Awards per lot"), AwardSchema, max_items=20, load_default=list)
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
        self._check_awards(data, errors)

    def _check_awards(self, data, errors):
        """One decision per lot of the briefing; every lot decided once awarded; each award on an offer."""
        lots = data.get("lots", [])
        decided = {}
        offers = {(item["provider"], item["lot"]) for item in data.get("invitations", []) if item.get("response") == "offer"}
        budget, booked = data.get("budget_max"), 0
        deadline = data.get("offer_deadline")
        for index, award in enumerate(data.get("awards", [])):
            lot = award["lot"]
            if lot not in lots:
                _put(errors, ("awards", index, "lot"), str(_l("This lot is not one of the briefing's lots.")))
                continue
            if lot in decided:
                _put(errors, ("awards", index, "lot"), str(_l("This lot is already decided.")))
                continue
            decided[lot] = award
            if award.get("outcome") != "awarded":
                continue  # a lot may be closed without award early, when every provider declined say
            if deadline and award["awarded_on"].date() < deadline.date():
                _put(errors, ("awards", index, "awarded_on"), str(_l("Nothing is awarded before the offer deadline.")))
            if award.get("provider") and (award["provider"], lot) not in offers:
                _put(errors, ("awards", index, "provider"),
                     str(_l("The awarded provider must have been invited for this lot and made an offer.")))
            booked += award.get("amount") or 0
            # The award that takes the briefing over its budget is the one that must say why.
            if budget is not None and booked > budget and not (award.get("reason") or "").strip():
                _put(errors, ("awards", index, "amount"),
                     str(_l("The awarded amounts exceed the maximum budget: give the reason for the exception.")))
        if data.get("status") in ("awarded", "closed") and any(lot not in decided for lot in lots):
            _put(errors, ("awards",), str(_l("An awarded briefing has a decision for each of its lots.")))
