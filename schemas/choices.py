"""Closed lists of values (statuses, types, municipalities) with their translated labels."""
from flask_babel import LazyString

from schemas.translation import lazy_gettext as _l
from schemas.translation import locale as page_locale
from schemas.translation import lazy_pgettext as _lp


def _bilingual(fr, nl, en=None):
    """A label that reads `fr` in French, `nl` in Dutch and `en` (else `fr`) in English."""

    def pick():
        locale = page_locale()
        language = locale.language if locale is not None else "fr"
        return {"fr": fr, "nl": nl}.get(language, en or fr)

    return LazyString(pick)


LANGUAGES = {
    "fr": _l("French"),
    "nl": _l("Dutch"),
    "en": _l("English"),
}

# Countries of a postal address (see schemas.contact.POSTCODES).
COUNTRIES = {
    "BE": _l("Belgium"),
    "FR": _l("France"),
    "NL": _l("Netherlands"),
    "LU": _l("Luxembourg"),
    "DE": _l("Germany"),
}

# The 19 municipalities by NIS code, plus the whole region for region-wide requests: (French, Dutch[, English]).
MUNICIPALITY_NAMES = {
    "21001": ("Anderlecht", "Anderlecht"),
    "21002": ("Auderghem", "Oudergem"),
    "21003": ("Berchem-Sainte-Agathe", "Sint-Agatha-Berchem"),
    "21004": ("Bruxelles", "Brussel", "City of Brussels"),
    "21005": ("Etterbeek", "Etterbeek"),
    "21006": ("Evere", "Evere"),
    "21007": ("Forest", "Vorst"),
    "21008": ("Ganshoren", "Ganshoren"),
    "21009": ("Ixelles", "Elsene"),
    "21010": ("Jette", "Jette"),
    "21011": ("Koekelberg", "Koekelberg"),
    "21012": ("Molenbeek-Saint-Jean", "Sint-Jans-Molenbeek"),
    "21013": ("Saint-Gilles", "Sint-Gillis"),
    "21014": ("Saint-Josse-ten-Noode", "Sint-Joost-ten-Node"),
    "21015": ("Schaerbeek", "Schaarbeek"),
    "21016": ("Uccle", "Ukkel"),
    "21017": ("Watermael-Boitsfort", "Watermaal-Bosvoorde"),
    "21018": ("Woluwe-Saint-Lambert", "Sint-Lambrechts-Woluwe"),
    "21019": ("Woluwe-Saint-Pierre", "Sint-Pieters-Woluwe"),
    "region": ("Toute la Région", "Heel het Gewest", "Whole Region"),
}
# English pages use the French names, as English texts on Brussels usually do.
MUNICIPALITIES = {code: _bilingual(*names) for code, names in MUNICIPALITY_NAMES.items()}

ORGANISATION_TYPES = {
    "regional_administration": _l("Regional administration"),
    "municipal_administration": _l("Municipal administration"),
    "public_body": _l("Public body"),
    "private_organisation": _l("Private organisation"),
    "citizen_collective": _l("Citizen collective"),
}

THEMES = {
    "urban_planning": _l("Urban planning"),
    "public_space": _l("Public space"),
    "mobility": _l("Mobility"),
    "environment": _l("Environment and climate"),
    "housing": _l("Housing"),
    "social_cohesion": _l("Social cohesion"),
    "culture": _l("Culture"),
    "youth": _l("Youth"),
    "health": _l("Health"),
    "economy": _l("Local economy"),
}

# "request status": a request (une demande) is feminine in French, a briefing (un cahier des charges) is not.
REQUEST_STATUSES = {
    "received": _l("Received"),
    "under_review": _l("Under review"),
    "briefing": _l("Briefing in preparation"),
    "sent": _l("Sent to providers"),
    "awarded": _lp("request status", "Awarded"),
    "in_progress": _l("In progress"),
    "closed": _lp("request status", "Closed"),
    "ineligible": _l("Ineligible"),
    "withdrawn": _l("Withdrawn"),
    "on_hold": _l("On hold"),
}

ELIGIBILITY_DECISIONS = {
    "pending": _l("Not decided yet"),
    "eligible": _l("Eligible"),
    "ineligible": _l("Not eligible"),
}

PROVIDER_STATUSES = {
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "left": _l("Left the framework"),
}

BRIEFING_STATUSES = {
    "draft": _l("Draft"),
    "ready": _l("Ready"),
    "sent": _l("Sent"),
    "offers_received": _l("Offers received"),
    "awarded": _l("Awarded"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
}

AWARD_ROUTES = {
    "cascade": _l("Cascade"),
    "mini_competition": _l("Mini-competition"),
}

INVITATION_RESPONSES = {
    "pending": _l("Awaiting response"),
    "declined": _l("Declined"),
    "offer": _l("Offer submitted"),
}

AWARD_OUTCOMES = {
    "awarded": _l("Awarded"),
    "no_award": _l("Closed without award"),
}
