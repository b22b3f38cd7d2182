"""Awards per lot: what was decided on each lot of a briefing, how its offers rank, what is booked.

A briefing holds `awards`, one entry per lot at most (see schemas/briefing.py `AwardSchema`).
Reports, exports, letters and the dashboard read awards through these helpers, so that
every amount is booked under the lot it was awarded for.
"""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class RankedOffer:
    """One offer on a lot, with its scores and its place in the ranking."""

    provider: str
    lot: str
    amount: int
    scores: dict = field(default_factory=dict)  # criterion name -> score out of 100
    total: float | None = None  # weighted score out of 100, None when the offer is not scored
    rank: int | None = None  # 1 for the best; tied offers share a rank
    tied: bool = False  # another offer has the same rank
    invitation_index: int | None = None


@dataclass
class Booking:
    """An amount awarded to a provider on one lot, on a day."""

    briefing: str
    lot: str
    provider: str
    amount: int
    awarded_on: dt.datetime
    route: str | None = None


def by_lot(briefing):
    """The awards of a briefing by lot code: {lot: award entry}; lots not decided yet are absent."""
    return {award["lot"]: award for award in briefing.get("awards") or []}


def open_lots(briefing):
    """The briefing's lots that have no decision yet, in the briefing's order."""
    decided = by_lot(briefing)
    return [lot for lot in briefing.get("lots", []) if lot not in decided]


def fully_decided(briefing, awards=None):
    """Whether every lot of the briefing has a decision (awarded or closed without award)."""
    decided = {award["lot"] for award in (briefing.get("awards") if awards is None else awards) or []}
    return bool(briefing.get("lots")) and all(lot in decided for lot in briefing["lots"])


def weighted_score(briefing, invitation):
    """An offer's weighted score out of 100 from its per-criterion scores and the announced weights.

    Offers recorded with a single overall score (older data) keep that score.
    """
    weights = {item["name"]: item["weight"] for item in briefing.get("award_criteria") or []}
    scores = invitation.get("criterion_scores") or []
    if scores and weights:
        return round(sum(weights.get(item["criterion"], 0) * item["score"] for item in scores) / 100, 2)
    return invitation.get("score")


def ranking(briefing, lot, cascade_ranks=None):
    """The offers on `lot`, best first, each with its scores, weighted total and rank.

    Mini-competition: by weighted score, highest first; equal scores share a rank and are
    marked tied; unscored offers come last without a rank. Cascade: by the providers'
    rank in the framework agreement (`cascade_ranks`: {provider: rank}).
    """
    offers = []
    for index, item in enumerate(briefing.get("invitations", [])):
        if item["lot"] != lot or item.get("response") != "offer":
            continue
        offers.append(RankedOffer(
            provider=item["provider"], lot=lot, amount=item.get("offer_amount"),
            scores={score["criterion"]: score["score"] for score in item.get("criterion_scores") or []},
            total=weighted_score(briefing, item), invitation_index=index,
        ))
    if briefing.get("award_route") == "cascade" and cascade_ranks is not None:
        key = {offer.provider: cascade_ranks.get(offer.provider, 999) for offer in offers}
        offers.sort(key=lambda offer: key[offer.provider])
        for position, offer in enumerate(offers, start=1):
            offer.rank = position
        return offers
    offers.sort(key=lambda offer: (offer.total is None, -(offer.total or 0), offer.amount or 0))
    previous = None
    for position, offer in enumerate(offers, start=1):
        if offer.total is None:
            continue
        if previous is not None and previous.total == offer.total:
            offer.rank = previous.rank
            offer.tied = previous.tied = True
        else:
            offer.rank = position
        previous = offer
    return offers


def best_offers(briefing, lot, cascade_ranks=None):
    """The offers an award may go to without a written reason: the top-ranked one(s), ties included."""
    ranked = [offer for offer in ranking(briefing, lot, cascade_ranks) if offer.rank is not None]
    return [offer for offer in ranked if offer.rank == ranked[0].rank] if ranked else []


def bookings(briefing):
    """The amounts this briefing books: one Booking per lot awarded (lots closed without award book nothing)."""
    return [
        Booking(briefing.get("reference", ""), award["lot"], award["provider"], award.get("amount") or 0,
                award["awarded_on"], award.get("route"))
        for award in briefing.get("awards") or []
        if award.get("outcome") == "awarded" and award.get("provider")
    ]


def _year_range(year):
    return dt.datetime(year, 1, 1), dt.datetime(year + 1, 1, 1)


def all_bookings(store, year=None, provider=None):
    """Every booking in the store, or those of one year and/or one provider, read in one query."""
    query = {"awards.outcome": "awarded"}
    if year is not None:
        start, end = _year_range(year)
        query = {"awards.awarded_on": {"$gte": start, "$lt": end}}
    if provider is not None:
        query = query | {"awards.provider": provider}
    result = []
    for briefing in store.find("briefings", query, projection={"reference": 1, "awards": 1}):
        for booking in bookings(briefing):
            if year is not None and not _year_range(year)[0] <= booking.awarded_on < _year_range(year)[1]:
                continue
            if provider is not None and booking.provider != provider:
                continue
            result.append(booking)
    return result


def amounts_by_lot(store, year=None):
    """Cents awarded per lot: {lot: cents}, all years or one."""
    totals = defaultdict(int)
    for booking in all_bookings(store, year):
        totals[booking.lot] += booking.amount
    return dict(totals)


def amounts_by_provider_lot(store, year=None):
    """Awards counted and cents awarded per (provider, lot): {(provider, lot): (awards, cents)}."""
    totals = defaultdict(lambda: [0, 0])
    for booking in all_bookings(store, year):
        line = totals[(booking.provider, booking.lot)]
        line[0] += 1
        line[1] += booking.amount
    return {key: tuple(value) for key, value in totals.items()}


def awards_per_provider(store, year=None):
    """How many lots each provider was awarded: {provider: count}, all years or one."""
    counts = defaultdict(int)
    for booking in all_bookings(store, year):
        counts[booking.provider] += 1
    return dict(counts)
