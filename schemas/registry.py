"""The collection schemas by collection name, in the order they depend on each other."""
from schemas.briefing import BriefingSchema
from schemas.lot import LotSchema
from schemas.provider import ProviderSchema
from schemas.request import RequestSchema
from schemas.user import UserSchema

# Lots first: providers and requests refer to them; briefings refer to all three.
SCHEMAS = {schema.collection: schema for schema in (LotSchema, ProviderSchema, RequestSchema, BriefingSchema)}
# Users are not demo data and refer to nothing: kept apart from the seeded collections.
ALL_SCHEMAS = SCHEMAS | {UserSchema.collection: UserSchema}
