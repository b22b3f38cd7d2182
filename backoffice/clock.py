"""The app's one clock, so every timestamp is taken the same way (naive UTC, as BSON stores it)."""
import datetime as dt


def now():
    """The current moment as naive UTC, to the second."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
