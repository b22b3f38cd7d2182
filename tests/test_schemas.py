"""What each schema accepts, stores and refuses, as a user sees it: the stored value or the message on the field."""
import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from bson.decimal128 import Decimal128
from flask import Flask
from flask_babel import Babel
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from schemas.briefing import BriefingSchema
from schemas.lot import LotSchema
from schemas.provider import ProviderSchema
from schemas.registry import SCHEMAS
from schemas.request import RequestSchema

ROOT = Path(__file__).resolve().parent.parent

REQUIRED = "This field is required."
UNKNOWN = "Unknown field."
NOT_A_CHOICE = "Not a valid choice."
ENTERPRISE_LENGTH = "An enterprise number has 10 digits, for example 0123.456.749."
ENTERPRISE_DIGITS = "An enterprise number holds only digits (and dots)."
ENTERPRISE_FIRST_DIGIT = "An enterprise number starts with 0 or 1."
ENTERPRISE_CHECKSUM = "This enterprise number does not exist: its check digits are wrong."
PHONE_INVALID = ("Not a valid phone number: write a Belgian number (02 123 45 67, 0470 12 34 56) "
                 "or a foreign one with its country code (+33 1 42 68 53 00).")
MONEY_INVALID = "Not a valid amount (for example 12500 or 12500,50)."
MONEY_PRECISION = "At most two decimals (cents)"
MONEY_NEGATIVE = "An amount cannot be negative."
MONEY_TOO_LARGE = "This amount is too large."
END_BEFORE_START = "The end date comes before the start date."
EMAIL_INVALID = "Not a valid e-mail address."
URL_INVALID = "Not a valid web address (it starts with https://)."
DOES_NOT_EXIST = "This record does not exist (any more)."
TAKEN = "Another record already has this value."
IMMUTABLE = "This value cannot be changed once the record exists."

# An offer deadline long past; tests that need one ahead compute it from now.
LONG_AGO = "2020-01-10T12:00"


def with_check_digits(body):
    """A ten-digit enterprise number: `body` (8 digits) followed by 97 - (body mod 97)."""
    return f"{body}{97 - int(body) % 97:02d}"


AGORA = "0123456749"
BRUXEL_PART = with_check_digits("04000000")
CIVIC_LAB = with_check_digits("10000000")


@pytest.fixture(autouse=True)
def request_context():
    """Lazy messages and labels need a request context with flask-babel (English by default)."""
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        yield


class FakeRefs:
    """The schemas' view of other records, answered from in-memory documents keyed by natural key."""

    def __init__(self, **collections):
        self.collections = {
            "lots": [{"_id": f"lot-{n}", "code": f"L{n}"} for n in range(1, 7)],
            "providers": [
                {"_id": "p-agora", "enterprise_number": AGORA, "lots": [{"lot": "L1"}, {"lot": "L2"}]},
                {"_id": "p-bruxel", "enterprise_number": BRUXEL_PART, "lots": [{"lot": "L1"}]},
                {"_id": "p-civic", "enterprise_number": CIVIC_LAB, "lots": [{"lot": "L2"}]},
            ],
            "requests": [{"_id": "r-1", "reference": "REQ-2026-0001"}],
            "briefings": [{"_id": "b-1", "reference": "BRF-2026-0001"}],
        }
        self.collections.update(collections)
        self.taken_calls = []

    def missing(self, collection, keys):
        """The keys that name no record of `collection`."""
        key = SCHEMAS[collection].natural_key
        known = {doc.get(key) for doc in self.collections[collection]}
        return set(keys) - known

    def taken(self, collection, field, value, exclude_id):
        """True when a record other than `exclude_id` has `value` in `field`."""
        self.taken_calls.append((collection, field, value, exclude_id))
        return any(doc.get(field) == value and doc["_id"] != exclude_id for doc in self.collections[collection])

    def party_to(self, provider_enterprise_number, lot_code):
        """True when the provider is party to the lot."""
        return any(
            doc["enterprise_number"] == provider_enterprise_number and lot_code in {item["lot"] for item in doc["lots"]}
            for doc in self.collections["providers"]
        )


# --- valid documents to start from -------------------------------------------------------------


def a_lot(**changes):
    """A valid lot."""
    return {"code": "L1", "name_fr": "Mission globale de A à Z", "name_nl": "Globale opdracht van A tot Z", **changes}


def a_provider(**changes):
    """A valid provider with its address, contact and lots."""
    return {
        "name": "Agora Participation SCRL",
        "enterprise_number": AGORA,
        "address": {"street": "Rue du Midi 112", "postcode": "1000", "city": "Bruxelles"},
        "website": "https://agora-participation.example",
        "contact": {"name": "Camille Verhaegen", "email": "camille@agora.example", "phone": "02 511 48 20"},
        "languages": ["fr", "nl"],
        "lots": [{"lot": "L1", "rank": 1}, {"lot": "L2", "rank": 2}],
        **changes,
    }


def a_request(**changes):
    """A valid request."""
    return {
        "received_on": "2026-11-02",
        "organisation": {"name": "Commune d'Ixelles", "type": "municipal_administration"},
        "municipality": "21009",
        "contact": {"name": "Marie Exemple", "email": "marie@ixelles.example", "language": "fr"},
        "project_title": "Réaménagement de l'École du Parc",
        "lots": ["L1"],
        "estimated_budget": "25000",
        **changes,
    }


def a_briefing(**changes):
    """A valid draft briefing for lot L1 of request REQ-2026-0001."""
    return {"request": "REQ-2026-0001", "lots": ["L1"], "language": "fr", "budget_max": "20000", **changes}


def an_awarded_briefing(**changes):
    """A valid awarded mini-competition (history: load it with today_rules=False)."""
    awarded = a_briefing(
        status="awarded",
        award_route="mini_competition",
        offer_deadline=LONG_AGO,
        award_criteria=[{"name": "Qualité", "weight": 60}, {"name": "Prix", "weight": 40}],
        invitations=[
            {"provider": AGORA, "lot": "L1", "sent_on": "2019-12-20", "response": "offer", "offer_amount": "18000"},
            {"provider": BRUXEL_PART, "lot": "L1", "sent_on": "2019-12-20", "response": "declined"},
        ],
        awards=[{"lot": "L1", "outcome": "awarded", "provider": AGORA, "amount": "18000", "awarded_on": "2020-01-20"}],
    )
    award = {name[len("award_"):]: changes.pop(name) for name in list(changes) if name.startswith("award_") and name not in ("award_route", "award_criteria")}
    awarded["awards"][0].update(award)
    awarded["awards"][0] = {name: value for name, value in awarded["awards"][0].items() if value is not None}
    return {**awarded, **changes}


def future_deadline(days=30):
    """A Brussels-time deadline `days` from now, as typed in the form."""
    return (dt.datetime.now() + dt.timedelta(days=days)).strftime("%Y-%m-%dT12:00")


# --- helpers ----------------------------------------------------------------------------------


def load(schema, data, **kwargs):
    """What the schema stores for `data`."""
    return schema(**kwargs).load(data)


def plain(messages):
    """Marshmallow messages with every lazy string made plain text."""
    if isinstance(messages, dict):
        return {key: plain(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [plain(value) for value in messages]
    return str(messages)


def refusal(schema, data, **kwargs):
    """The messages of the refusal, which must happen."""
    with pytest.raises(ValidationError) as refused:
        schema(**kwargs).load(data)
    return plain(refused.value.messages)


def messages_on(schema, data, *path, **kwargs):
    """The messages a refused save shows on the field at `path`."""
    node = refusal(schema, data, **kwargs)
    for key in path:
        assert isinstance(node, dict) and key in node, f"no message on {path}: {node}"
        node = node[key]
    return node


def provider_with_enterprise_number(value):
    """A provider document whose enterprise number is `value`."""
    return a_provider(enterprise_number=value)


def provider_with_phone(value):
    """A provider document whose contact phone is `value`."""
    return a_provider(contact={"name": "Camille Verhaegen", "email": "camille@agora.example", "phone": value})


# --- enterprise number ------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0123456749", "0123.456.749", "BE0123456749", "BE 0123 456 749", "be0123.456.749"])
def test_enterprise_number_in_any_notation_is_stored_as_ten_digits(typed):
    assert load(ProviderSchema, provider_with_enterprise_number(typed))["enterprise_number"] == "0123456749"


def test_enterprise_number_is_shown_with_dots():
    assert ProviderSchema().dump({"enterprise_number": "0123456749"})["enterprise_number"] == "0123.456.749"


@pytest.mark.parametrize("typed", ["012345674", "0123.456.74", "01234567490", "BE01234567490"])
def test_enterprise_number_with_wrong_length_is_refused(typed):
    messages = messages_on(ProviderSchema, provider_with_enterprise_number(typed), "enterprise_number")
    assert messages == [ENTERPRISE_LENGTH]


@pytest.mark.parametrize("typed", ["01234S6749", "O123456749", "0123.456.ABC", "FR0123456749"])
def test_enterprise_number_with_letters_is_refused(typed):
    messages = messages_on(ProviderSchema, provider_with_enterprise_number(typed), "enterprise_number")
    assert messages == [ENTERPRISE_DIGITS]


@pytest.mark.parametrize("body", ["21234567", "51234567", "91234567"])
def test_enterprise_number_starting_with_other_than_0_or_1_is_refused(body):
    number = with_check_digits(body)
    messages = messages_on(ProviderSchema, provider_with_enterprise_number(number), "enterprise_number")
    assert messages == [ENTERPRISE_FIRST_DIGIT]


@pytest.mark.parametrize("typed", ["0123456748", "0123.456.750", "1000000000"])
def test_enterprise_number_with_wrong_check_digits_is_refused(typed):
    messages = messages_on(ProviderSchema, provider_with_enterprise_number(typed), "enterprise_number")
    assert messages == [ENTERPRISE_CHECKSUM]


def test_enterprise_number_refusals_each_say_what_is_wrong():
    seen = {
        messages_on(ProviderSchema, provider_with_enterprise_number(typed), "enterprise_number")[0]
        for typed in ("012345674", "01234S6749", with_check_digits("21234567"), "0123456748")
    }
    assert len(seen) == 4


def test_enterprise_number_with_non_ascii_digits_is_refused_with_a_message():
    # "²" passes str.isdigit() but is no digit anyone types on purpose; it must not crash the save.
    messages = messages_on(ProviderSchema, provider_with_enterprise_number("012345674²"), "enterprise_number")
    assert messages == [ENTERPRISE_DIGITS]


bodies = st.integers(min_value=0, max_value=19_999_999).map(lambda n: f"{n:08d}")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(body=bodies)
def test_every_valid_enterprise_number_is_accepted_in_each_notation_and_stored_compact(body):
    number = with_check_digits(body)
    notations = [number, f"{number[:4]}.{number[4:7]}.{number[7:]}", f"BE{number}", f"BE {number[:4]} {number[4:7]} {number[7:]}"]
    for typed in notations:
        assert load(ProviderSchema, provider_with_enterprise_number(typed))["enterprise_number"] == number


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(body=bodies, check=st.integers(min_value=0, max_value=99))
def test_enterprise_number_with_any_other_check_digits_is_refused(body, check):
    right = 97 - int(body) % 97
    if check == right:
        check = (check + 1) % 100
    messages = messages_on(ProviderSchema, provider_with_enterprise_number(f"{body}{check:02d}"), "enterprise_number")
    assert messages == [ENTERPRISE_CHECKSUM]


def test_organisation_enterprise_number_is_optional_and_checked_when_given():
    assert "enterprise_number" not in load(RequestSchema, a_request())["organisation"]
    organisation = {"name": "ASBL Quartier", "type": "private_organisation", "enterprise_number": "0123.456.749"}
    assert load(RequestSchema, a_request(organisation=organisation))["organisation"]["enterprise_number"] == AGORA
    organisation["enterprise_number"] = "0123.456.748"
    assert messages_on(RequestSchema, a_request(organisation=organisation), "organisation", "enterprise_number") == [
        ENTERPRISE_CHECKSUM
    ]


# --- phone ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("02 123 45 67", "+3221234567"),
        ("02/123.45.67", "+3221234567"),
        ("021234567", "+3221234567"),
        ("+32 2 123 45 67", "+3221234567"),
        ("0032 2 123 45 67", "+3221234567"),
        ("010 12 34 56", "+3210123456"),
        ("0470 12 34 56", "+32470123456"),
        ("0470/12.34.56", "+32470123456"),
        ("+32 470 12 34 56", "+32470123456"),
        ("0032470123456", "+32470123456"),
        # A foreign provider's number, with its country code (python-phonenumbers checks it).
        ("+33 1 42 68 53 00", "+33142685300"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("+31 20 123 4567", "+31201234567"),
    ],
)
def test_phone_in_national_or_international_notation_is_stored_in_e164(typed, stored):
    assert load(ProviderSchema, provider_with_phone(typed))["contact"]["phone"] == stored


@pytest.mark.parametrize(
    "typed",
    [
        "02 123 45 6",  # landline one digit short
        "02 123 45 678",  # landline one digit long
        "0470 12 34 5",  # mobile one digit short
        "0470 12 34 567",  # mobile one digit long
        "+32 02 123 45 67",  # trunk 0 kept after the country code
        "+33 1 23 45",  # France, too short
        "+999 1 23 45 67 89",  # no such country code
        "02 ABC 45 67",
        "phone me",
        "12345678",
    ],
)
def test_phone_that_is_no_number_is_refused(typed):
    assert messages_on(ProviderSchema, provider_with_phone(typed), "contact", "phone") == [PHONE_INVALID]


def test_phone_with_non_ascii_digits_is_refused():
    # Superscripts and other scripts' digits pass str.isdigit(); nobody could dial the stored number.
    assert messages_on(ProviderSchema, provider_with_phone("02 123 45 6²"), "contact", "phone") == [PHONE_INVALID]


@pytest.mark.parametrize(
    "stored, shown",
    [("+3221234567", "02 123 45 67"), ("+32470123456", "0470 12 34 56"), ("+3210123456", "010 12 34 56")],
)
def test_phone_is_shown_in_national_notation(stored, shown):
    assert ProviderSchema().dump({"contact": {"phone": stored}})["contact"]["phone"] == shown


# --- money ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, cents",
    [
        ("12500", 1250000),
        ("12 500,50", 1250050),
        ("12.500,50", 1250050),
        ("12500.50", 1250050),
        ("12.500", 1250000),
        ("1.250.000", 125000000),
        ("12500,5", 1250050),
        ("12\u00a0500,50 €", 1250050),
        ("1,234.56", 123456),
        ("0", 0),
        (12500, 1250000),
        (Decimal("12.5"), 1250),
        (Decimal128("12.50"), 1250),
    ],
)
def test_amount_is_stored_in_cents(typed, cents):
    stored = load(LotSchema, a_lot(ceiling_amount=typed))["ceiling_amount"]
    assert stored == cents
    assert type(stored) is int


@pytest.mark.parametrize("typed", [12.5, 12500.0, True, False, "abc", "12,50,00", "12.50.00", "1e5", Decimal("NaN"), [12500]])
def test_amount_that_is_not_a_clear_number_is_refused(typed):
    assert messages_on(LotSchema, a_lot(ceiling_amount=typed), "ceiling_amount") == [MONEY_INVALID]


@pytest.mark.parametrize("typed", ["12,505", "12500.505", Decimal("1.005")])
def test_amount_with_more_than_two_decimals_is_refused(typed):
    messages = messages_on(LotSchema, a_lot(ceiling_amount=typed), "ceiling_amount")
    assert len(messages) == 1 and messages[0].startswith(MONEY_PRECISION)


@pytest.mark.parametrize("typed", [-1, Decimal("-0.01"), "-100", "-12 500,50"])
def test_negative_amount_is_refused_as_negative(typed):
    assert messages_on(LotSchema, a_lot(ceiling_amount=typed), "ceiling_amount") == [MONEY_NEGATIVE]


@pytest.mark.parametrize("typed", [10**11, "100000000000", "1" + "0" * 30, 10**30])
def test_absurdly_large_amount_is_refused_as_too_large(typed):
    assert messages_on(LotSchema, a_lot(ceiling_amount=typed), "ceiling_amount") == [MONEY_TOO_LARGE]


@pytest.mark.parametrize("cents, shown", [(1250050, "12500.50"), (1250000, "12500.00"), (5, "0.05")])
def test_amount_is_shown_in_euro_with_two_decimals(cents, shown):
    assert LotSchema().dump({"ceiling_amount": cents})["ceiling_amount"] == shown


# --- dates ------------------------------------------------------------------------------------


def test_day_is_stored_as_midnight():
    stored = load(LotSchema, a_lot(starts_on="2024-02-01", ends_on=dt.date(2028, 1, 31)))
    assert stored["starts_on"] == dt.datetime(2024, 2, 1, 0, 0)
    assert stored["ends_on"] == dt.datetime(2028, 1, 31, 0, 0)


def test_day_is_shown_without_time():
    assert LotSchema().dump({"starts_on": dt.datetime(2024, 2, 1)})["starts_on"] == "2024-02-01"


@pytest.mark.parametrize("typed", ["2024-02-30", "31/02/2024", "03/15/2027", "15/3/27", "15.03.2027", "soon"])
def test_impossible_day_is_refused(typed):
    assert messages_on(LotSchema, a_lot(starts_on=typed), "starts_on") == [
        "Not a valid date: write it as dd/mm/yyyy, for example 15/03/2027."]


@pytest.mark.parametrize("typed", ["15/03/2027", "15/3/2027", "2027-03-15"])
def test_a_day_reads_day_first_or_as_iso(typed):
    assert load(LotSchema, a_lot(starts_on=typed))["starts_on"] == dt.datetime(2027, 3, 15)


def test_lot_ending_before_it_starts_is_refused_on_its_end():
    data = a_lot(starts_on="2024-02-01", ends_on="2024-01-31")
    assert messages_on(LotSchema, data, "ends_on") == [END_BEFORE_START]


def test_lot_starting_and_ending_on_the_same_day_is_accepted():
    assert load(LotSchema, a_lot(starts_on="2024-02-01", ends_on="2024-02-01"))["ends_on"] == dt.datetime(2024, 2, 1)


def test_request_expected_to_end_before_it_starts_is_refused_on_its_end():
    data = a_request(expected_start="2027-03-01", expected_end="2027-02-28")
    assert messages_on(RequestSchema, data, "expected_end") == [END_BEFORE_START]


def test_request_with_expected_dates_in_order_is_accepted():
    stored = load(RequestSchema, a_request(expected_start="2027-03-01", expected_end="2027-06-30"))
    assert stored["expected_end"] == dt.datetime(2027, 6, 30)


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("2026-12-15T12:00", dt.datetime(2026, 12, 15, 11, 0)),  # winter: UTC+1
        ("2026-12-15 12:00", dt.datetime(2026, 12, 15, 11, 0)),
        ("2026-07-01T12:00", dt.datetime(2026, 7, 1, 10, 0)),  # summer: UTC+2
        ("2026-12-15T12:00:00+00:00", dt.datetime(2026, 12, 15, 12, 0)),
        ("15/12/2026 12:00", dt.datetime(2026, 12, 15, 11, 0)),  # as people type it (and the picker writes it)
        ("1/7/2026 9:05", dt.datetime(2026, 7, 1, 7, 5)),
    ],
)
def test_deadline_typed_in_brussels_time_is_stored_as_utc(typed, stored):
    assert load(BriefingSchema, a_briefing(offer_deadline=typed))["offer_deadline"] == stored


def test_deadline_is_shown_back_in_brussels_time():
    shown = BriefingSchema().dump({"offer_deadline": dt.datetime(2026, 12, 15, 11, 0)})["offer_deadline"]
    assert shown == "2026-12-15T12:00"


@pytest.mark.parametrize("typed", ["next friday", "03/15/2027 14:30", "15/03/2027", "15/03/2027 25:00",
                                   "31/02/2027 12:00", "2026-12-32T12:00", "15.03.2027 14:30"])
def test_unreadable_deadline_is_refused_naming_the_field(typed):
    assert messages_on(BriefingSchema, a_briefing(offer_deadline=typed), "offer_deadline") == [
        "Offer deadline: not a valid date and time; write it as dd/mm/yyyy hh:mm, for example 15/03/2027 14:30."
    ]


# --- closed lists -----------------------------------------------------------------------------

REQUEST_STATUSES = ["received", "under_review", "briefing", "sent", "awarded", "in_progress", "closed", "ineligible", "withdrawn", "on_hold"]
BRIEFING_STATUSES = ["draft", "ready", "sent", "offers_received", "awarded", "closed", "cancelled"]
ORGANISATION_TYPES = ["regional_administration", "municipal_administration", "public_body", "private_organisation", "citizen_collective"]
MUNICIPALITIES = [f"210{n:02d}" for n in range(1, 20)] + ["region"]


@pytest.mark.parametrize("status", REQUEST_STATUSES)
def test_every_request_status_is_accepted(status):
    assert load(RequestSchema, a_request(status=status))["status"] == status


@pytest.mark.parametrize("status", BRIEFING_STATUSES)
def test_every_briefing_status_is_accepted(status):
    assert load(BriefingSchema, an_awarded_briefing(status=status), today_rules=False)["status"] == status


@pytest.mark.parametrize("kind", ORGANISATION_TYPES)
def test_every_organisation_type_is_accepted(kind):
    organisation = {"name": "Organisation", "type": kind}
    assert load(RequestSchema, a_request(organisation=organisation))["organisation"]["type"] == kind


@pytest.mark.parametrize("code", MUNICIPALITIES)
def test_each_of_the_19_municipalities_and_the_whole_region_is_accepted(code):
    assert load(RequestSchema, a_request(municipality=code))["municipality"] == code


@pytest.mark.parametrize("language", ["fr", "nl", "en"])
def test_requester_contact_language_is_accepted(language):
    contact = {"name": "Marie Exemple", "email": "marie@ixelles.example", "language": language}
    assert load(RequestSchema, a_request(contact=contact))["contact"]["language"] == language


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_briefing_in_french_or_dutch_is_accepted(language):
    assert load(BriefingSchema, a_briefing(language=language))["language"] == language


@pytest.mark.parametrize("route", ["cascade", "mini_competition"])
def test_every_award_route_is_accepted(route):
    criteria = [{"name": "Prix", "weight": 100}]
    assert load(BriefingSchema, a_briefing(award_route=route, award_criteria=criteria))["award_route"] == route


@pytest.mark.parametrize("response, amount", [("pending", None), ("declined", None), ("offer", "15000")])
def test_every_invitation_response_is_accepted(response, amount):
    invitation = {"provider": AGORA, "lot": "L1", "response": response}
    if amount is not None:
        invitation["offer_amount"] = amount
    stored = load(BriefingSchema, a_briefing(invitations=[invitation]))
    assert stored["invitations"][0]["response"] == response


@pytest.mark.parametrize("status", ["active", "suspended", "left"])
def test_every_provider_status_is_accepted(status):
    assert load(ProviderSchema, a_provider(status=status))["status"] == status


@pytest.mark.parametrize("decision", ["pending", "eligible", "ineligible"])
def test_every_eligibility_decision_is_accepted(decision):
    eligibility = {"decision": decision, "reason": "Commune bruxelloise."}
    assert load(RequestSchema, a_request(eligibility=eligibility))["eligibility"]["decision"] == decision


@pytest.mark.parametrize(
    "schema, data, path",
    [
        (RequestSchema, a_request(status="open"), ("status",)),
        (RequestSchema, a_request(status="Received"), ("status",)),
        (BriefingSchema, a_briefing(status="published"), ("status",)),
        (RequestSchema, a_request(organisation={"name": "X", "type": "company"}), ("organisation", "type")),
        (RequestSchema, a_request(municipality="21020"), ("municipality",)),
        (RequestSchema, a_request(municipality="1050"), ("municipality",)),
        (RequestSchema, a_request(municipality="Ixelles"), ("municipality",)),
        (RequestSchema, a_request(municipality=21009), ("municipality",)),
        (RequestSchema, a_request(contact={"name": "M", "email": "m@x.be", "language": "de"}), ("contact", "language")),
        (BriefingSchema, a_briefing(language="en"), ("language",)),
        (BriefingSchema, a_briefing(language="de"), ("language",)),
        (BriefingSchema, a_briefing(award_route="auction"), ("award_route",)),
        (BriefingSchema, a_briefing(invitations=[{"provider": AGORA, "lot": "L1", "response": "maybe"}]), ("invitations", 0, "response")),
        (ProviderSchema, a_provider(status="inactive"), ("status",)),
        (ProviderSchema, a_provider(languages=["fr", "de"]), ("languages", 1)),
        (RequestSchema, a_request(eligibility={"decision": "maybe"}), ("eligibility", "decision")),
        (RequestSchema, a_request(themes=["sport"]), ("themes", 0)),
    ],
)
def test_value_outside_a_closed_list_is_refused(schema, data, path):
    assert messages_on(schema, data, *path) == [NOT_A_CHOICE]


def test_closed_list_defaults_are_stored_when_left_empty():
    request = load(RequestSchema, a_request(eligibility={}))
    assert request["status"] == "received"
    assert request["eligibility"]["decision"] == "pending"
    contact = {"name": "Marie Exemple", "email": "marie@ixelles.example"}
    assert load(RequestSchema, a_request(contact=contact))["contact"]["language"] == "fr"
    assert load(ProviderSchema, a_provider())["status"] == "active"
    briefing = load(BriefingSchema, a_briefing())
    assert (briefing["status"], briefing["award_route"]) == ("draft", "cascade")
    assert load(BriefingSchema, a_briefing(invitations=[{"provider": AGORA, "lot": "L1"}]))["invitations"][0]["response"] == "pending"
    assert load(LotSchema, a_lot())["active"] is True


# --- required fields --------------------------------------------------------------------------


def without(doc, *path):
    """`doc` with the value at `path` removed."""
    node = doc
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return doc


@pytest.mark.parametrize(
    "schema, data, path",
    [
        (LotSchema, a_lot(), ("code",)),
        (LotSchema, a_lot(), ("name_fr",)),
        (LotSchema, a_lot(), ("name_nl",)),
        (ProviderSchema, a_provider(), ("name",)),
        (ProviderSchema, a_provider(), ("enterprise_number",)),
        (ProviderSchema, a_provider(), ("languages",)),
        (ProviderSchema, a_provider(), ("contact", "name")),
        (ProviderSchema, a_provider(), ("contact", "email")),
        (ProviderSchema, a_provider(), ("lots", 0, "lot")),
        (ProviderSchema, a_provider(), ("lots", 1, "rank")),
        (RequestSchema, a_request(), ("received_on",)),
        (RequestSchema, a_request(), ("organisation",)),
        (RequestSchema, a_request(), ("organisation", "name")),
        (RequestSchema, a_request(), ("organisation", "type")),
        (RequestSchema, a_request(), ("municipality",)),
        (RequestSchema, a_request(), ("contact",)),
        (RequestSchema, a_request(), ("contact", "name")),
        (RequestSchema, a_request(), ("contact", "email")),
        (RequestSchema, a_request(), ("project_title",)),
        (BriefingSchema, a_briefing(), ("request",)),
        (BriefingSchema, a_briefing(), ("lots",)),
        (BriefingSchema, a_briefing(), ("language",)),
        (BriefingSchema, an_awarded_briefing(), ("invitations", 0, "provider")),
        (BriefingSchema, an_awarded_briefing(), ("invitations", 1, "lot")),
        (BriefingSchema, an_awarded_briefing(), ("award_criteria", 0, "name")),
        (BriefingSchema, an_awarded_briefing(), ("award_criteria", 1, "weight")),
    ],
)
def test_missing_required_field_is_named(schema, data, path):
    assert messages_on(schema, without(data, *path), *path, today_rules=False) == [REQUIRED]


@pytest.mark.parametrize(
    "schema, required",
    [
        (LotSchema, {"code", "name_fr", "name_nl"}),
        (ProviderSchema, {"name", "enterprise_number", "languages"}),
        (RequestSchema, {"received_on", "organisation", "municipality", "contact", "project_title"}),
        (BriefingSchema, {"request", "lots", "language"}),
    ],
)
def test_empty_form_names_every_required_field_at_once(schema, required):
    assert refusal(schema, {}) == {name: [REQUIRED] for name in required}


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_required_text_left_blank_is_refused_as_required(blank):
    assert messages_on(ProviderSchema, a_provider(name=blank), "name") == [REQUIRED]


def test_text_is_stored_without_surrounding_spaces():
    assert load(ProviderSchema, a_provider(name="  Agora Participation SCRL \n"))["name"] == "Agora Participation SCRL"


# --- unknown fields ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema, data",
    [(LotSchema, a_lot()), (ProviderSchema, a_provider()), (RequestSchema, a_request()), (BriefingSchema, a_briefing())],
)
def test_unknown_field_is_refused(schema, data):
    assert refusal(schema, {**data, "colour": "blue"}) == {"colour": [UNKNOWN]}


def test_unknown_field_in_a_sub_document_is_refused_where_it_is():
    provider = a_provider()
    provider["contact"]["fax"] = "02 123 45 67"
    assert refusal(ProviderSchema, provider) == {"contact": {"fax": [UNKNOWN]}}


def test_unknown_field_in_a_list_line_is_refused_on_that_line():
    provider = a_provider(lots=[{"lot": "L1", "rank": 1}, {"lot": "L2", "rank": 2, "weight": 3}])
    assert refusal(ProviderSchema, provider) == {"lots": {1: {"weight": [UNKNOWN]}}}


@pytest.mark.parametrize("system_field", ["created_by", "updated_at", "version"])
def test_system_fields_cannot_be_typed_in(system_field):
    assert refusal(LotSchema, {**a_lot(), system_field: "someone"}) == {system_field: [UNKNOWN]}


# --- text limits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema, make, path, limit",
    [
        (ProviderSchema, lambda text: a_provider(name=text), ("name",), 200),
        (LotSchema, lambda text: a_lot(name_nl=text), ("name_nl",), 200),
        (LotSchema, lambda text: a_lot(framework_reference=text), ("framework_reference",), 80),
        (LotSchema, lambda text: a_lot(description_fr=text), ("description_fr",), 5000),
        (RequestSchema, lambda text: a_request(project_title=text), ("project_title",), 200),
        (
            RequestSchema,
            lambda text: a_request(contact={"name": text, "email": "m@x.be"}),
            ("contact", "name"),
            120,
        ),
        (
            RequestSchema,
            lambda text: a_request(eligibility={"decision": "ineligible", "reason": text}),
            ("eligibility", "reason"),
            1000,
        ),
        (BriefingSchema, lambda text: a_briefing(objectives=text), ("objectives",), 5000),
        (
            BriefingSchema,
            lambda text: a_briefing(award_criteria=[{"name": text, "weight": 100}]),
            ("award_criteria", 0, "name"),
            120,
        ),
    ],
)
def test_text_over_its_limit_is_refused_and_at_its_limit_accepted(schema, make, path, limit):
    load(schema, make("a" * limit))
    assert messages_on(schema, make("a" * (limit + 1)), *path) == [f"At most {limit} characters."]


# --- e-mail, website, postcode ----------------------------------------------------------------


def test_email_is_stored_in_lower_case_without_spaces():
    provider = a_provider(contact={"name": "Camille", "email": " Camille.Verhaegen@Agora.EXAMPLE "})
    assert load(ProviderSchema, provider)["contact"]["email"] == "camille.verhaegen@agora.example"
    assert load(RequestSchema, a_request(assigned_to="Staff@Perspective.Brussels"))["assigned_to"] == "staff@perspective.brussels"


@pytest.mark.parametrize("typed", ["not-an-email", "camille@", "@agora.example", "camille agora@example.be", "camille@agora"])
def test_invalid_email_is_refused(typed):
    provider = a_provider(contact={"name": "Camille", "email": typed})
    assert messages_on(ProviderSchema, provider, "contact", "email") == [EMAIL_INVALID]
    assert messages_on(RequestSchema, a_request(assigned_to=typed), "assigned_to") == [EMAIL_INVALID]


@pytest.mark.parametrize("typed", ["https://www.agora.be", "http://agora-participation.example/fr/contact?x=1"])
def test_http_or_https_website_is_accepted(typed):
    assert load(ProviderSchema, a_provider(website=typed))["website"] == typed


@pytest.mark.parametrize(
    "typed",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "ftp://agora.be",
        "www.agora.be",
    ],
)
def test_website_that_is_not_a_public_web_address_is_refused(typed):
    assert messages_on(ProviderSchema, a_provider(website=typed), "website") == [URL_INVALID]


@pytest.mark.parametrize("typed", ["0123", "105", "10500", "ABCD"])
def test_postcode_that_is_not_belgian_is_refused(typed):
    provider = a_provider(address={"city": "Bruxelles", "postcode": typed})
    assert "A Belgian postcode has 4 digits (1000)." in messages_on(ProviderSchema, provider, "address", "postcode")


@pytest.mark.parametrize("country, typed", [("FR", "75001"), ("NL", "1012 AB"), ("LU", "L-1009"), ("DE", "10115"), ("BE", "1000")])
def test_a_postcode_is_read_as_its_country_writes_them(country, typed):
    provider = a_provider(address={"city": "Ville", "postcode": typed, "country": country})
    assert load(ProviderSchema, provider)["address"]["country"] == country


def test_a_french_postcode_in_belgium_is_refused():
    provider = a_provider(address={"city": "Paris", "postcode": "99999", "country": "BE"})
    assert messages_on(ProviderSchema, provider, "address", "postcode") == ["A Belgian postcode has 4 digits (1000)."]


# --- lots -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["L1", "L6", "L9", "L10", "L99"])
def test_lot_code_of_the_form_l_number_is_accepted(code):
    assert load(LotSchema, a_lot(code=code))["code"] == code


def test_lot_code_is_stored_without_surrounding_spaces():
    assert load(LotSchema, a_lot(code=" L2 "))["code"] == "L2"


@pytest.mark.parametrize("code", ["X1", "L0", "l1", "L", "L01", "1", "L-1"])
def test_lot_code_of_another_form_is_refused(code):
    assert messages_on(LotSchema, a_lot(code=code), "code") == ["A lot code reads L1, L2, … L6."]


def test_lot_code_longer_than_three_characters_is_refused():
    assert "At most 3 characters." in messages_on(LotSchema, a_lot(code="L100"), "code")


# --- providers --------------------------------------------------------------------------------


def test_provider_party_to_the_same_lot_twice_is_refused():
    provider = a_provider(lots=[{"lot": "L1", "rank": 1}, {"lot": "L1", "rank": 2}])
    assert messages_on(ProviderSchema, provider, "lots") == ["A lot appears twice."]


def test_provider_without_lots_is_stored_with_an_empty_list():
    provider = a_provider()
    del provider["lots"]
    assert load(ProviderSchema, provider)["lots"] == []


@pytest.mark.parametrize("rank", [0, -1, 100])
def test_cascade_rank_outside_1_to_99_is_refused(rank):
    provider = a_provider(lots=[{"lot": "L1", "rank": rank}])
    assert messages_on(ProviderSchema, provider, "lots", 0, "rank") == ["Must be between 1 and 99."]


@pytest.mark.parametrize("rank", [1.5, True, "first"])
def test_cascade_rank_that_is_not_a_whole_number_is_refused(rank):
    provider = a_provider(lots=[{"lot": "L1", "rank": rank}])
    assert messages_on(ProviderSchema, provider, "lots", 0, "rank") == ["Not a valid whole number."]


def test_cascade_rank_typed_in_a_form_is_stored_as_a_number():
    assert load(ProviderSchema, a_provider(lots=[{"lot": "L1", "rank": "3"}]))["lots"] == [{"lot": "L1", "rank": 3}]


def test_provider_without_a_working_language_is_refused():
    assert messages_on(ProviderSchema, a_provider(languages=[]), "languages") == ["Choose at least one."]


def test_provider_with_the_same_language_twice_is_refused():
    assert messages_on(ProviderSchema, a_provider(languages=["fr", "fr"]), "languages") == ["The same value is chosen twice."]


def test_provider_working_in_all_three_languages_is_accepted():
    assert load(ProviderSchema, a_provider(languages=["fr", "nl", "en"]))["languages"] == ["fr", "nl", "en"]


# --- requests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_ineligible_request_without_a_reason_is_refused_on_the_reason(reason):
    eligibility = {"decision": "ineligible"}
    if reason is not None:
        eligibility["reason"] = reason
    assert messages_on(RequestSchema, a_request(eligibility=eligibility), "eligibility", "reason") == [
        "Say why the request is not eligible."
    ]


def test_ineligible_request_with_a_reason_is_accepted():
    eligibility = {"decision": "ineligible", "reason": "Organisation sans activité en Région bruxelloise."}
    assert load(RequestSchema, a_request(eligibility=eligibility))["eligibility"] == eligibility


def test_eligible_request_needs_no_reason():
    assert load(RequestSchema, a_request(eligibility={"decision": "eligible"}))["eligibility"] == {"decision": "eligible"}


@pytest.mark.parametrize("reference", ["REQ-2026-0042", "REQ-2026-12345"])
def test_request_reference_of_the_usual_form_is_accepted(reference):
    assert load(RequestSchema, a_request(reference=reference))["reference"] == reference


@pytest.mark.parametrize("reference", ["REQ-26-42", "req-2026-0042", "BRF-2026-0042", "REQ-2026-042"])
def test_request_reference_of_another_form_is_refused(reference):
    assert messages_on(RequestSchema, a_request(reference=reference), "reference") == [
        "A request reference reads REQ-2026-0042."
    ]


def test_request_asking_for_the_same_lot_twice_is_refused():
    assert messages_on(RequestSchema, a_request(lots=["L1", "L1"]), "lots") == ["The same value is chosen twice."]


def test_request_estimated_budget_is_stored_in_cents():
    assert load(RequestSchema, a_request(estimated_budget="25 000,00"))["estimated_budget"] == 2500000


# --- briefings: criteria and invitations ------------------------------------------------------


def test_award_criteria_weighing_100_are_accepted():
    criteria = [{"name": "Qualité", "weight": 60}, {"name": "Prix", "weight": 40}]
    assert load(BriefingSchema, a_briefing(award_criteria=criteria))["award_criteria"] == criteria


@pytest.mark.parametrize("weights", [(60, 30), (60, 50), (99,)])
def test_award_criteria_not_weighing_100_are_refused(weights):
    criteria = [{"name": f"Critère {n}", "weight": weight} for n, weight in enumerate(weights)]
    assert messages_on(BriefingSchema, a_briefing(award_criteria=criteria), "award_criteria") == [
        "The weights of the award criteria add up to 100."
    ]


@pytest.mark.parametrize("weight", [0, 101])
def test_award_criterion_weight_outside_1_to_100_is_refused(weight):
    criteria = [{"name": "Prix", "weight": weight}]
    assert messages_on(BriefingSchema, a_briefing(award_criteria=criteria), "award_criteria", 0, "weight") == [
        "Must be between 1 and 100."
    ]


def test_mini_competition_without_award_criteria_is_refused():
    assert messages_on(BriefingSchema, a_briefing(award_route="mini_competition"), "award_criteria") == [
        "A mini-competition announces its award criteria."
    ]


def test_cascade_needs_no_award_criteria():
    assert load(BriefingSchema, a_briefing(award_route="cascade"))["award_criteria"] == []


def test_invitation_for_a_lot_outside_the_briefing_is_refused_on_its_lot():
    invitations = [{"provider": AGORA, "lot": "L1"}, {"provider": AGORA, "lot": "L2"}]
    assert messages_on(BriefingSchema, a_briefing(invitations=invitations), "invitations", 1, "lot") == [
        "This lot is not one of the briefing's lots."
    ]


def test_provider_invited_twice_for_the_same_lot_is_refused_on_the_second_invitation():
    invitations = [{"provider": AGORA, "lot": "L1"}, {"provider": BRUXEL_PART, "lot": "L1"}, {"provider": AGORA, "lot": "L1"}]
    messages = refusal(BriefingSchema, a_briefing(invitations=invitations))
    assert messages == {"invitations": {2: {"provider": ["This provider is already invited for this lot."]}}}


def test_provider_invited_once_for_each_of_two_lots_is_accepted():
    invitations = [{"provider": AGORA, "lot": "L1"}, {"provider": AGORA, "lot": "L2"}]
    stored = load(BriefingSchema, a_briefing(lots=["L1", "L2"], invitations=invitations), refs=FakeRefs())
    assert [(item["provider"], item["lot"]) for item in stored["invitations"]] == [(AGORA, "L1"), (AGORA, "L2")]


def test_provider_not_party_to_the_lot_cannot_be_invited_for_it():
    invitations = [{"provider": AGORA, "lot": "L1"}, {"provider": CIVIC_LAB, "lot": "L1"}]
    messages = refusal(BriefingSchema, a_briefing(invitations=invitations), refs=FakeRefs())
    assert messages == {"invitations": {1: {"provider": ["This provider is not party to this lot."]}}}


def test_offer_without_an_amount_is_refused_on_the_amount():
    invitations = [{"provider": AGORA, "lot": "L1", "response": "offer"}]
    assert messages_on(BriefingSchema, a_briefing(invitations=invitations), "invitations", 0, "offer_amount") == [
        "An offer needs its amount."
    ]


@pytest.mark.parametrize("response", ["pending", "declined"])
def test_amount_without_an_offer_is_refused_on_the_amount(response):
    invitations = [{"provider": AGORA, "lot": "L1", "response": response, "offer_amount": "15000"}]
    assert messages_on(BriefingSchema, a_briefing(invitations=invitations), "invitations", 0, "offer_amount") == [
        "Only an offer has an amount."
    ]


def test_offer_amount_and_score_are_stored():
    invitations = [{"provider": AGORA, "lot": "L1", "sent_on": "2026-11-20", "response": "offer", "offer_amount": "15 000,50", "score": 82}]
    stored = load(BriefingSchema, a_briefing(invitations=invitations))["invitations"][0]
    assert stored == {
        "provider": AGORA,
        "lot": "L1",
        "sent_on": dt.datetime(2026, 11, 20),
        "response": "offer",
        "offer_amount": 1500050,
        "score": 82,
    }


@pytest.mark.parametrize("score", [-1, 101])
def test_score_outside_0_to_100_is_refused(score):
    invitations = [{"provider": AGORA, "lot": "L1", "response": "offer", "offer_amount": "1000", "score": score}]
    assert messages_on(BriefingSchema, a_briefing(invitations=invitations), "invitations", 0, "score") == [
        "Must be between 0 and 100."
    ]


def test_briefing_without_a_lot_is_refused():
    assert messages_on(BriefingSchema, a_briefing(lots=[]), "lots") == ["Choose at least one."]


# --- briefings: stages and dates --------------------------------------------------------------

AWARD_INCOMPLETE = "An award names its provider and amount."


def test_awarded_briefing_with_provider_amount_and_date_is_accepted():
    stored = load(BriefingSchema, an_awarded_briefing(), refs=FakeRefs(), today_rules=False)
    [award] = stored["awards"]
    assert (award["lot"], award["provider"], award["amount"], award["awarded_on"]) == (
        "L1", AGORA, 1800000, dt.datetime(2020, 1, 20),
    )


@pytest.mark.parametrize("status", ["awarded", "closed"])
def test_awarded_briefing_without_a_decision_on_each_lot_is_refused(status):
    data = an_awarded_briefing(status=status, awards=[])
    assert messages_on(BriefingSchema, data, "awards", today_rules=False) == [
        "An awarded briefing has a decision for each of its lots."
    ]


@pytest.mark.parametrize("name", ["provider", "amount"])
def test_an_award_missing_its_provider_or_amount_is_refused_on_it(name):
    data = an_awarded_briefing(**{f"award_{name}": None})
    assert messages_on(BriefingSchema, data, "awards", 0, name, today_rules=False) == [AWARD_INCOMPLETE]


def test_a_lot_closed_without_award_needs_a_reason_and_names_nobody():
    data = an_awarded_briefing(award_outcome="no_award")
    assert refusal(BriefingSchema, data, today_rules=False) == {"awards": {0: {
        "reason": ["Say why the lot is closed without award."],
        "provider": ["A lot closed without award names no provider nor amount."],
        "amount": ["A lot closed without award names no provider nor amount."],
    }}}


def test_a_lot_is_decided_once():
    data = an_awarded_briefing()
    data["awards"].append(dict(data["awards"][0]))
    assert messages_on(BriefingSchema, data, "awards", 1, "lot", today_rules=False) == ["This lot is already decided."]


NOT_AN_OFFERER = "The awarded provider must have been invited for this lot and made an offer."


def test_awarded_provider_must_have_been_invited():
    data = an_awarded_briefing(award_provider=CIVIC_LAB)
    assert messages_on(BriefingSchema, data, "awards", 0, "provider", today_rules=False) == [NOT_AN_OFFERER]


def test_awarded_provider_must_have_made_an_offer():
    data = an_awarded_briefing(award_provider=BRUXEL_PART)
    assert messages_on(BriefingSchema, data, "awards", 0, "provider", today_rules=False) == [NOT_AN_OFFERER]


def test_awards_above_the_budget_need_a_reason():
    data = an_awarded_briefing(budget_max="15000")
    assert messages_on(BriefingSchema, data, "awards", 0, "amount", today_rules=False) == [
        "The awarded amounts exceed the maximum budget: give the reason for the exception."
    ]
    data["awards"][0]["reason"] = "Budget complété par la commune"
    assert load(BriefingSchema, data, today_rules=False)["awards"][0]["reason"] == "Budget complété par la commune"


def test_award_dated_before_the_offer_deadline_is_refused():
    # "Nothing is awarded before the offer deadline" holds for history too, so even for a seed.
    data = an_awarded_briefing(offer_deadline="2020-01-10T12:00", award_awarded_on="2020-01-05")
    assert messages_on(BriefingSchema, data, "awards", 0, "awarded_on", today_rules=False) == [
        "Nothing is awarded before the offer deadline."
    ]


def test_award_on_the_day_of_the_offer_deadline_is_accepted():
    data = an_awarded_briefing(offer_deadline="2020-01-10T12:00", award_awarded_on="2020-01-10")
    assert load(BriefingSchema, data, today_rules=False)["awards"][0]["awarded_on"] == dt.datetime(2020, 1, 10)


def test_awarding_while_the_offer_deadline_is_still_ahead_is_refused():
    deadline = future_deadline(days=10)
    data = an_awarded_briefing(offer_deadline=deadline, award_awarded_on=deadline[:10])
    refused = refusal(BriefingSchema, data, previous={"_id": "b-1", "status": "offers_received"})
    assert set(refused) & {"awards", "offer_deadline", "status"}, refused


def test_award_with_a_future_deadline_is_kept_when_loading_history():
    deadline = future_deadline(days=10)
    data = an_awarded_briefing(offer_deadline=deadline, award_awarded_on=deadline[:10])
    assert load(BriefingSchema, data, today_rules=False)["status"] == "awarded"


@pytest.mark.parametrize("status", ["sent", "offers_received", "awarded", "closed"])
def test_briefing_that_has_been_sent_needs_an_offer_deadline(status):
    data = an_awarded_briefing(status=status)
    del data["offer_deadline"]
    assert messages_on(BriefingSchema, data, "offer_deadline", today_rules=False) == [
        "A briefing that is sent needs an offer deadline."
    ]


@pytest.mark.parametrize("status", ["draft", "ready", "cancelled"])
def test_briefing_not_yet_sent_needs_no_offer_deadline(status):
    assert load(BriefingSchema, a_briefing(status=status))["status"] == status


PAST_DEADLINE = "The offer deadline must be in the future when the briefing is sent."


@pytest.mark.parametrize("previous", [None, {"_id": "b-1", "status": "ready"}, {"_id": "b-1", "status": "draft"}])
def test_sending_a_briefing_whose_offer_deadline_has_passed_is_refused(previous):
    data = a_briefing(status="sent", offer_deadline=LONG_AGO)
    assert messages_on(BriefingSchema, data, "offer_deadline", previous=previous) == [PAST_DEADLINE]


def test_sending_a_briefing_with_a_deadline_ahead_is_accepted():
    data = a_briefing(status="sent", offer_deadline=future_deadline())
    assert load(BriefingSchema, data, previous={"_id": "b-1", "status": "ready"})["status"] == "sent"


def test_sent_briefing_whose_deadline_has_since_passed_can_still_be_saved():
    data = a_briefing(status="sent", offer_deadline=LONG_AGO)
    assert load(BriefingSchema, data, previous={"_id": "b-1", "status": "sent"})["status"] == "sent"


def test_sent_briefing_with_a_past_deadline_is_accepted_from_seeds_and_restores():
    data = a_briefing(status="sent", offer_deadline=LONG_AGO)
    assert load(BriefingSchema, data, today_rules=False)["offer_deadline"] == dt.datetime(2020, 1, 10, 11, 0)


# --- references, uniqueness, natural keys -----------------------------------------------------


def test_request_for_an_unknown_lot_is_refused_on_lots():
    assert messages_on(RequestSchema, a_request(lots=["L1", "L9"]), "lots", refs=FakeRefs()) == [DOES_NOT_EXIST]


def test_request_for_known_lots_is_accepted():
    assert load(RequestSchema, a_request(lots=["L1", "L3"]), refs=FakeRefs())["lots"] == ["L1", "L3"]


def test_briefing_for_a_request_that_does_not_exist_is_refused_on_request():
    data = a_briefing(request="REQ-2026-9999")
    assert messages_on(BriefingSchema, data, "request", refs=FakeRefs()) == [DOES_NOT_EXIST]


def test_briefing_for_an_unknown_lot_is_refused_on_lots():
    assert messages_on(BriefingSchema, a_briefing(lots=["L7"]), "lots", refs=FakeRefs()) == [DOES_NOT_EXIST]


def test_invitation_of_an_unknown_provider_is_refused_on_that_invitation():
    stranger = with_check_digits("07777777")
    invitations = [{"provider": AGORA, "lot": "L1"}, {"provider": stranger, "lot": "L1"}]
    messages = messages_on(BriefingSchema, a_briefing(invitations=invitations), "invitations", 1, "provider", refs=FakeRefs())
    assert DOES_NOT_EXIST in messages


def test_award_to_an_unknown_provider_is_refused_on_its_provider():
    refs = FakeRefs()
    refs.collections["providers"] = [doc for doc in refs.collections["providers"] if doc["enterprise_number"] != AGORA]
    data = an_awarded_briefing(invitations=[{"provider": BRUXEL_PART, "lot": "L1"}], award_provider=AGORA)
    assert DOES_NOT_EXIST in messages_on(BriefingSchema, data, "awards", 0, "provider", refs=refs, today_rules=False)


def test_provider_party_to_an_unknown_lot_is_refused_on_that_line():
    number = with_check_digits("08888888")
    provider = a_provider(enterprise_number=number, lots=[{"lot": "L1", "rank": 1}, {"lot": "L8", "rank": 1}])
    assert refusal(ProviderSchema, provider, refs=FakeRefs()) == {"lots": {1: {"lot": [DOES_NOT_EXIST]}}}


def test_provider_with_an_enterprise_number_already_taken_is_refused_on_it():
    provider = a_provider(name="Copie", enterprise_number="0123.456.749")
    assert refusal(ProviderSchema, provider, refs=FakeRefs()) == {"enterprise_number": [TAKEN]}


def test_new_provider_with_a_free_enterprise_number_is_accepted():
    number = with_check_digits("08888888")
    assert load(ProviderSchema, a_provider(enterprise_number=number), refs=FakeRefs())["enterprise_number"] == number


def test_provider_edited_keeps_its_own_enterprise_number():
    refs = FakeRefs()
    previous = {"_id": "p-agora", **a_provider()}
    assert load(ProviderSchema, a_provider(name="Agora (renamed)"), refs=refs, previous=previous)["name"] == "Agora (renamed)"
    assert refs.taken_calls == [("providers", "enterprise_number", AGORA, "p-agora")]


def test_lot_code_already_taken_is_refused_on_code():
    assert refusal(LotSchema, a_lot(code="L3"), refs=FakeRefs()) == {"code": [TAKEN]}


def test_request_reference_already_taken_is_refused_on_reference():
    data = a_request(reference="REQ-2026-0001")
    assert messages_on(RequestSchema, data, "reference", refs=FakeRefs()) == [TAKEN]


def test_lot_code_cannot_change_once_the_lot_exists():
    previous = {"_id": "lot-1", **a_lot(code="L1")}
    refs = FakeRefs(lots=[{"_id": "lot-1", "code": "L1"}])
    assert refusal(LotSchema, a_lot(code="L2"), refs=refs, previous=previous) == {"code": [IMMUTABLE]}


def test_lot_edited_under_the_same_code_is_accepted():
    previous = {"_id": "lot-1", **a_lot(code="L1")}
    stored = load(LotSchema, a_lot(code="L1", name_fr="Mission globale"), refs=FakeRefs(), previous=previous)
    assert stored["name_fr"] == "Mission globale"


def test_provider_enterprise_number_cannot_change_once_the_provider_exists():
    previous = {"_id": "p-agora", **a_provider()}
    data = a_provider(enterprise_number=with_check_digits("08888888"))
    assert messages_on(ProviderSchema, data, "enterprise_number", refs=FakeRefs(), previous=previous) == [IMMUTABLE]


# --- the registry -----------------------------------------------------------------------------


def test_registry_lists_the_four_collections_dependencies_first():
    assert list(SCHEMAS) == ["lots", "providers", "requests", "briefings"]
    assert {name: schema.natural_key for name, schema in SCHEMAS.items()} == {
        "lots": "code",
        "providers": "enterprise_number",
        "requests": "reference",
        "briefings": "reference",
    }


@pytest.mark.parametrize("module", ["schemas.registry", "schemas.provider", "schemas.briefing"])
def test_schemas_can_be_imported_by_a_script_on_their_own(module):
    # A seed or import script may import a schema before anything else of the app.
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
