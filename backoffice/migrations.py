"""Data migrations: stored records brought to the current shape of their schema, saying what changed."""
from backoffice import audit, records
from backoffice.store import Conflict
from backoffice.clock import now
from schemas.registry import ALL_SCHEMAS

# The single award a briefing held before awards were decided lot by lot.
LEGACY_AWARD_FIELDS = ("awarded_provider", "awarded_amount", "awarded_on", "award_override_reason")
LEGACY_NO_AWARD = "Migrated: the single award of the briefing did not cover this lot."


def legacy_awards(briefing):
    """The per-lot awards equivalent to a briefing's single award (empty when it had none).

    The winner's award is booked under each lot it made an offer on, split in proportion
    to those offers (the parts add up to the awarded amount). A lot the winner did not
    bid on is recorded as closed without award, with a reason saying it was migrated.
    """
    winner, total, day = briefing.get("awarded_provider"), briefing.get("awarded_amount"), briefing.get("awarded_on")
    if not winner or total is None or day is None:
        return []
    offers = [(item["lot"], item["offer_amount"]) for item in briefing.get("invitations", [])
              if item["provider"] == winner and item.get("response") == "offer" and item.get("offer_amount")]
    if not offers:
        offers = [(item["lot"], 0) for item in briefing.get("invitations", []) if item["provider"] == winner][:1]
    offered = sum(amount for _lot, amount in offers)
    shares = [(lot, total * amount // offered if offered else total) for lot, amount in offers]
    # Rounding leftovers go to the last lot, so the parts add up to the award.
    shares[-1] = (shares[-1][0], total - sum(amount for _lot, amount in shares[:-1]))
    route = briefing.get("award_route", "cascade")
    reason = briefing.get("award_override_reason")
    result = []
    for lot in briefing.get("lots", []):
        share = next((amount for code, amount in shares if code == lot), None)
        if share is None:
            result.append({"lot": lot, "outcome": "no_award", "awarded_on": day, "route": route, "reason": LEGACY_NO_AWARD})
            continue
        entry = {"lot": lot, "outcome": "awarded", "provider": winner, "amount": share, "awarded_on": day, "route": route}
        score = next((item.get("score") for item in briefing.get("invitations", [])
                      if item["provider"] == winner and item["lot"] == lot), None)
        if score is not None:
            entry["score"] = score
        if reason:
            entry["reason"] = reason
        result.append(entry)
    return result


def legacy_briefings(store):
    """The stored briefings that still hold a field of the single award (read a batch at a time).

    No schema declares those fields any more, so the store cannot filter on them: each
    batch is looked through here.
    """
    for batch in store.batches("briefings", {}):
        yield from (doc for doc in batch if any(name in doc for name in LEGACY_AWARD_FIELDS))


def migrate_awards(store, actor="migrate-awards"):
    """Convert every stored briefing with a single award to awards per lot; return one line per change.

    Each briefing is saved over the version read, with its audit entry, in one transaction.
    """
    schema = ALL_SCHEMAS["briefings"]
    lines = []
    for briefing in list(legacy_briefings(store)):
        legacy = {name: briefing[name] for name in LEGACY_AWARD_FIELDS if name in briefing}
        entries = briefing.get("awards") or legacy_awards(briefing)
        data = records.editable_data("briefings", {**briefing, "awards": entries})
        doc = records.validate("briefings", data, previous=briefing, store=store, today_rules=False)
        changes = audit.changes_between(briefing, doc, schema().load_fields)
        try:
            with store.transaction():
                saved = store.update_if_version(
                    "briefings", briefing["_id"], briefing.get("version"),
                    set={"awards": doc["awards"], "updated_at": now(), "updated_by": actor}, unset=list(legacy),
                )
                if saved is not None:
                    audit.record(store, "update", actor, "briefings", briefing, changes)
        except Conflict:
            saved = None
        if saved is None:
            lines.append(f"{briefing['reference']}: changed meanwhile, not migrated; run the command again.")
            continue
        decided = ", ".join(
            f"{entry['lot']} → {entry.get('provider')} {entry['amount'] / 100:.2f} EUR" if entry["outcome"] == "awarded"
            else f"{entry['lot']} → no award" for entry in doc["awards"]
        )
        lines.append(f"{briefing['reference']}: {', '.join(sorted(legacy))} replaced by awards per lot: {decided or 'none'}.")
    return lines
