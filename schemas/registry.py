"""The collection schemas by collection name, in the order they depend on each other."""
import functools

from schemas.briefing import BriefingSchema
from schemas.lot import LotSchema
from schemas.provider import ProviderSchema
from schemas.request import RequestSchema
from schemas.user import UserSchema

# Lots first: providers and requests refer to them; briefings refer to all three.
SCHEMAS = {schema.collection: schema for schema in (LotSchema, ProviderSchema, RequestSchema, BriefingSchema)}
# Users are not demo data and refer to nothing: kept apart from the seeded collections.
ALL_SCHEMAS = SCHEMAS | {UserSchema.collection: UserSchema}


@functools.cache
def shared_schema(collection):
    """One instance of the collection's schema per process, to read its fields and dump records, never to load.

    Building a schema deep-copies its declared fields and, on first use, those of each nested
    schema: four schemas and 0.7 ms for one request's edit form. Marshmallow 4 keeps no state
    of a call on the schema (its `context` is gone) and the labels are lazy, translated when
    read, so one instance serves every request and language. Loading goes through a fresh
    schema (`records.validate`), which carries that call's `refs` and `previous`.
    """
    return ALL_SCHEMAS[collection]()
