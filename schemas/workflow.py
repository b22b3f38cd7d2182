"""The workflows as data: which status may follow which, for requests and briefings.

Guards (what must hold for a move) live in `backoffice/workflow.py`; this table says
only which moves exist, so the buttons, the bulk actions and the checks read one list.
"""

REQUEST_FLOW = {
    "received": ("under_review", "ineligible", "withdrawn", "on_hold"),
    "under_review": ("briefing", "ineligible", "withdrawn", "on_hold"),
    "briefing": ("sent", "withdrawn", "on_hold"),
    "sent": ("awarded", "withdrawn", "on_hold"),
    "awarded": ("in_progress", "on_hold"),
    "in_progress": ("closed", "on_hold"),
    # From on hold a request goes back to where it was (read from its history), or is withdrawn.
    "on_hold": ("withdrawn",),
    "closed": (),
    "ineligible": (),
    "withdrawn": (),
}

BRIEFING_FLOW = {
    "draft": ("ready", "cancelled"),
    "ready": ("sent", "draft", "cancelled"),
    "sent": ("offers_received", "cancelled"),
    "offers_received": ("awarded", "cancelled"),
    "awarded": ("closed",),
    "closed": (),
    "cancelled": (),
}

FLOWS = {"requests": REQUEST_FLOW, "briefings": BRIEFING_FLOW}

# Moves that only happen through their own action (creating a briefing, awarding), not a plain button.
ACTION_ONLY = {
    # "ineligible" is the eligibility decision's own move (with its reason), not a second button.
    "requests": {"briefing", "sent", "awarded", "ineligible"},
    "briefings": {"awarded"},
}
# Moves that must be explained.
NEEDS_COMMENT = {
    "requests": {"ineligible", "withdrawn", "on_hold"},
    "briefings": {"cancelled"},
}
