"""Field types shared by every schema, each with translated messages and form metadata.

Every schema field is one of these: they carry the label, help text and choices that
forms, list columns and CSV headers read, and their messages speak the user's language.
"""
import datetime as dt
import functools
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import phonenumbers
from bson import ObjectId
from bson.decimal128 import Decimal128
from marshmallow import ValidationError, fields, validate
from stdnum import exceptions as stdnum_exceptions
from stdnum.be import vat as belgian_vat

from schemas.translation import lazy_gettext as _l

BRUSSELS = ZoneInfo("Europe/Brussels")

# Texts are bounded so no field can swallow a whole document's worth of data.
SHORT_TEXT = 200
LONG_TEXT = 5000


class Translated:
    """Mixin: translated default messages, and messages rendered in the request's language."""

    default_error_messages = {
        "required": _l("This field is required."),
        "null": _l("This field is required."),
        "validator_failed": _l("Invalid value."),
        "invalid": _l("Not a valid value."),
    }

    def make_error(self, key, **kwargs):
        """Format a (lazy) message now, so the error holds plain text in the user's language."""
        message = self.error_messages[key]
        return ValidationError(str(message).format(**kwargs))


def _meta(label, help_text=None, **extra):
    """The metadata every field carries for forms, columns and exports."""
    metadata = {"label": label}
    if help_text is not None:
        metadata["help"] = help_text
    metadata.update(extra)
    return metadata


def _length(maximum, minimum=None):
    return validate.Length(
        min=minimum,
        max=maximum,
        error=_l("Between {min} and {max} characters.") if minimum else _l("At most {max} characters."),
    )


class Text(Translated, fields.String):
    """A trimmed, length-bounded text; `multiline` texts are edited in a text area.

    `strip=False` keeps the text as written (an e-mail's body, whose line breaks are its layout).
    """

    default_error_messages = {"invalid": _l("Not a valid text.")}

    def __init__(self, label, max_length=SHORT_TEXT, multiline=False, help_text=None, min_length=None, strip=True, **kwargs):
        validators = [_length(max_length, min_length)] + list(kwargs.pop("validate", []))
        metadata = _meta(label, help_text, max_length=max_length, multiline=multiline)
        metadata.update(kwargs.pop("metadata", {}))
        self.strip = strip
        super().__init__(validate=validators, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        text = text.strip() if self.strip else text
        if not text.strip() and self.required:
            raise self.make_error("required")
        return text


class Choice(Translated, fields.String):
    """One value out of a closed list whose labels are translated."""

    default_error_messages = {"invalid": _l("Not a valid choice.")}

    def __init__(self, label, choices, help_text=None, **kwargs):
        self.choices = choices
        one_of = validate.OneOf(list(choices), error=_l("Not a valid choice."))
        super().__init__(validate=one_of, metadata=_meta(label, help_text, choices=choices), **kwargs)


class ChoiceList(Translated, fields.List):
    """Several distinct values out of a closed list."""

    default_error_messages = {"invalid": _l("Not a valid list.")}

    def __init__(self, label, choices, help_text=None, min_items=0, **kwargs):
        self.choices = choices
        super().__init__(
            Choice(label, choices),
            validate=_distinct(min_items),
            metadata=_meta(label, help_text, choices=choices, many=True),
            **kwargs,
        )


def _distinct(min_items):
    def check(values):
        if len(values) < min_items:
            raise ValidationError(str(_l("Choose at least one.")))
        if len(set(values)) != len(values):
            raise ValidationError(str(_l("The same value is chosen twice.")))

    return check


class Ref(Translated, fields.String):
    """The natural key of a record in another collection; existence is checked by the schema."""

    default_error_messages = {"invalid": _l("Not a valid choice.")}

    def __init__(self, label, collection, help_text=None, **kwargs):
        self.collection = collection
        super().__init__(
            validate=_length(40),
            metadata=_meta(label, help_text, ref=collection),
            **kwargs,
        )


class RefList(Translated, fields.List):
    """Several distinct natural keys of records in another collection."""

    default_error_messages = {"invalid": _l("Not a valid list.")}

    def __init__(self, label, collection, help_text=None, min_items=0, **kwargs):
        self.collection = collection
        super().__init__(
            Ref(label, collection),
            validate=_distinct(min_items),
            metadata=_meta(label, help_text, ref=collection, many=True),
            **kwargs,
        )


class Email(Translated, fields.String):
    """An e-mail address, stored in lower case; `blank=True` also takes "" (no address known)."""

    def __init__(self, label, help_text=None, blank=False, **kwargs):
        address = validate.Email(error=_l("Not a valid e-mail address."))
        checks = [_length(254), _blank_or(address) if blank else address]
        super().__init__(validate=checks, metadata=_meta(label, help_text, input_type="email"), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().lower()


def _blank_or(check):
    """`check`, except for an empty text, which passes."""
    def blank_or_checked(value):
        if value != "":
            check(value)

    return blank_or_checked


class StaffEmail(Email):
    """The e-mail address of a staff member: forms offer the active staff users to choose from."""

    def __init__(self, label, help_text=None, **kwargs):
        super().__init__(label, help_text, **kwargs)
        self.metadata["staff"] = True


class Url(Translated, fields.String):
    """A web address; only http and https, so no `javascript:` link reaches a page."""

    def __init__(self, label, help_text=None, **kwargs):
        checks = [
            _length(500),
            validate.URL(
                schemes={"http", "https"},
                require_tld=True,
                error=_l("Not a valid web address (it starts with https://)."),
            ),
        ]
        super().__init__(validate=checks, metadata=_meta(label, help_text, input_type="url"), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Phone(Translated, fields.String):
    """A phone number, Belgian or foreign, checked by python-phonenumbers and stored in E.164 (+3222345678).

    Typed nationally for Belgium (02 234 56 78, 0470 12 34 56) or internationally with + or 00
    (+33 1 42 68 53 00); digits only, with spaces, dots, slashes, dashes or brackets between them.
    """

    default_error_messages = {
        "invalid": _l("Not a valid phone number: write a Belgian number (02 123 45 67, 0470 12 34 56) "
                      "or a foreign one with its country code (+33 1 42 68 53 00)."),
    }

    def __init__(self, label, help_text=None, **kwargs):
        super().__init__(metadata=_meta(label, help_text, input_type="tel"), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        raw = re.sub(r"[\s./()\-]", "", str(value))
        # A number starts with its trunk 0 (Belgium) or an international prefix; ASCII digits only.
        if not re.fullmatch(r"(?:\+|00|0)[0-9]+", raw):
            raise self.make_error("invalid")
        try:
            number = phonenumbers.parse(raw, "BE")
        except phonenumbers.NumberParseException:
            raise self.make_error("invalid") from None
        if number.country_code == 32:
            # Belgium by its numbering plan's lengths (landlines 8 digits after the 0, mobiles 04.. 9), without
            # phonenumbers' allocated ranges, which refuse the fictitious numbers of examples and tests;
            # "+32 02…" keeps the trunk 0 after the country code: no number.
            national = str(number.national_number)
            international = not raw.startswith("0") or raw.startswith("00")
            trunk_kept = international and raw.lstrip("+0").removeprefix("32").startswith("0")
            if trunk_kept or len(national) != (9 if national.startswith("4") else 8):
                raise self.make_error("invalid")
        elif not phonenumbers.is_valid_number(number):
            raise self.make_error("invalid")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def _serialize(self, value, attr, obj, **kwargs):
        return format_phone(value)


@functools.lru_cache(maxsize=4096)
def format_phone(value):
    """Show a Belgian number as it is dialled here (02 234 56 78, 0470 12 34 56), a foreign one internationally.

    Kept for the last few thousand numbers: parsing one costs more than the rest of its cell,
    and an export or a list page writes many (the result depends on the number alone).
    """
    if not value:
        return value
    try:
        number = phonenumbers.parse(value, "BE")
    except phonenumbers.NumberParseException:
        return value
    if number.country_code == 32:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class EnterpriseNumber(Translated, fields.String):
    """A Belgian enterprise (BCE/KBO) number: ten digits stored, shown as 0123.456.789."""

    default_error_messages = {
        "length": _l("An enterprise number has 10 digits, for example 0123.456.749."),
        "digits": _l("An enterprise number holds only digits (and dots)."),
        "first_digit": _l("An enterprise number starts with 0 or 1."),
        "checksum": _l("This enterprise number does not exist: its check digits are wrong."),
    }

    def __init__(self, label, help_text=None, **kwargs):
        super().__init__(metadata=_meta(label, help_text, placeholder="0123.456.749"), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        number = belgian_vat.compact(str(value))
        # python-stdnum pads old nine-digit numbers; a number typed today has ten digits.
        if not re.fullmatch(r"[0-9]+", number):
            raise self.make_error("digits")
        if len(re.sub(r"\D", "", str(value).upper().removeprefix("BE"))) != 10:
            raise self.make_error("length")
        try:
            number = belgian_vat.validate(number)
        except stdnum_exceptions.InvalidComponent:
            raise self.make_error("first_digit") from None
        except stdnum_exceptions.ValidationError:
            # A wrong check (or the impossible 0000000000): no enterprise has this number.
            raise self.make_error("checksum") from None
        # stdnum also takes 00 where the register writes 97 (both are 0 modulo 97).
        if int(number[8:]) != 97 - int(number[:8]) % 97:
            raise self.make_error("checksum")
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        return format_enterprise_number(value)


def format_enterprise_number(value):
    """Show 0123456749 as 0123.456.749."""
    if not value or len(value) != 10:
        return value
    return f"{value[:4]}.{value[4:7]}.{value[7:]}"


class Money(Translated, fields.Field):
    """An amount in euro, stored as integer cents; floats are refused so no cent is lost."""

    default_error_messages = {
        "invalid": _l("Not a valid amount (for example 12500 or 12500,50)."),
        "precision": _l("At most two decimals (cents); for thousands write 12500 or 12.500."),
        "negative": _l("An amount cannot be negative."),
        "too_large": _l("This amount is too large."),
    }
    LIMIT_CENTS = 10**13

    def __init__(self, label, help_text=None, **kwargs):
        super().__init__(metadata=_meta(label, help_text, money=True), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or isinstance(value, float):
            raise self.make_error("invalid")
        if isinstance(value, Decimal128):
            value = value.to_decimal()
        if isinstance(value, str):
            value = _parse_decimal(value)
            if value is None:
                raise self.make_error("invalid")
        if not isinstance(value, (int, Decimal)):
            raise self.make_error("invalid")
        amount = Decimal(value)
        if not amount.is_finite():
            raise self.make_error("invalid")
        if _decimals(amount) > 2:
            raise self.make_error("precision")
        if amount < 0:
            raise self.make_error("negative")
        cents = int(amount * 100)
        if cents >= self.LIMIT_CENTS:
            raise self.make_error("too_large")
        return cents

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return str((Decimal(value) / 100).quantize(Decimal("0.01")))


def _decimals(value):
    """How many decimals were written (12,500 has three, even though it equals 12,5)."""
    exponent = Decimal(value).as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _parse_decimal(text):
    """Read `12500`, `12 500,50`, `12.500,50`, `12.500` or `12500.50` as a Decimal; None when unreadable.

    Belgian writing groups thousands with dots and writes cents after a comma; a dot
    followed by groups of exactly three digits is therefore read as thousands.
    """
    text = re.sub(r"[\s\u00a0\u202f€]", "", text)
    sign = "-" if text.startswith("-") else ""
    text = text.removeprefix("-")
    if "," in text and "." in text:
        # Whichever comes last separates the cents; the other groups thousands.
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    elif re.fullmatch(r"[1-9]\d{0,2}([.,]\d{3}){2,}", text) or re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", text):
        text = re.sub(r"[.,]", "", text)
    text = text.replace(",", ".")
    if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        return None
    return Decimal(sign + text)


# A day as people type it in French and Dutch (15/03/2027, day first), or as machines write it (2027-03-15).
TYPED_DAY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
ISO_DAY = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def parse_day(text):
    """The day `text` names, read as dd/mm/yyyy or yyyy-mm-dd only; ValueError for anything else.

    Never guessed: "03/15/2027" is no day (there is no 15th month), not 15 March.
    """
    typed, iso = TYPED_DAY.match(text or ""), ISO_DAY.match(text or "")
    if typed:
        return dt.date(int(typed.group(3)), int(typed.group(2)), int(typed.group(1)))
    if iso:
        return dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    raise ValueError(f"not a day: {text!r}")


def typed_day(value):
    """A stored or ISO day as a person types it: 15/03/2027 (other text is left as it is)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%d/%m/%Y")
    iso = ISO_DAY.match(value) if isinstance(value, str) else None
    return f"{iso.group(3)}/{iso.group(2)}/{iso.group(1)}" if iso else value


class Date(Translated, fields.Date):
    """A calendar day, stored as midnight UTC because BSON has no date-only type.

    Read from dd/mm/yyyy (what people type, and what the form's picker writes) or
    yyyy-mm-dd (seeds, imports, URLs); anything else is refused, never reinterpreted.
    """

    default_error_messages = {
        "invalid": _l("Not a valid date: write it as dd/mm/yyyy, for example 15/03/2027."),
        "format": _l("Not a valid date."),
    }

    def __init__(self, label, help_text=None, **kwargs):
        super().__init__(metadata=_meta(label, help_text, picker="date"), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            day = value
        else:
            try:
                day = parse_day(value if isinstance(value, str) else "")
            except ValueError:
                raise self.make_error("invalid") from None
        return dt.datetime(day.year, day.month, day.day)

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, dt.datetime):
            value = value.date()
        return super()._serialize(value, attr, obj, **kwargs)


# A moment as people type it in French and Dutch (15/03/2027 14:30, day first, 24-hour time).
TYPED_MOMENT = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})\s*$")
# Or as machines write it (2027-03-15T14:30, 2027-03-15 14:30:00+01:00): ISO 8601, year first.
ISO_MOMENT = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def parse_moment(text):
    """The moment `text` names, read as dd/mm/yyyy HH:MM or ISO 8601 only; ValueError for anything else.

    Never guessed: "03/15/2027 14:30" is no moment (there is no 15th month), not 15 March.
    """
    typed = TYPED_MOMENT.match(text or "")
    if typed:
        day, month, year, hour, minute = (int(part) for part in typed.groups())
        return dt.datetime(year, month, day, hour, minute)
    if ISO_MOMENT.match(text or ""):
        return dt.datetime.fromisoformat(text.strip())
    raise ValueError(f"not a moment: {text!r}")


class LocalDateTime(Translated, fields.Field):
    """A moment typed in Brussels time (15/03/2027 14:30, or 2027-03-15T14:30 from seeds and imports),
    stored as naive UTC; anything else is refused, never reinterpreted."""

    default_error_messages = {
        "invalid": _l("{label}: not a valid date and time; write it as dd/mm/yyyy hh:mm, for example 15/03/2027 14:30."),
    }

    def __init__(self, label, help_text=None, **kwargs):
        super().__init__(metadata=_meta(label, help_text, picker="datetime"), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.datetime):
            moment = value
        else:
            try:
                moment = parse_moment(value if isinstance(value, str) else "")
            except ValueError:
                raise self.make_error("invalid", label=self.metadata["label"]) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BRUSSELS)
        return moment.astimezone(dt.timezone.utc).replace(tzinfo=None, second=0, microsecond=0)

    def _serialize(self, value, attr, obj, **kwargs):
        return local_time_text(value)


def local_time_text(value):
    """A stored naive-UTC moment as Brussels time, `2026-12-15T12:00`."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.timezone.utc).astimezone(BRUSSELS).strftime("%Y-%m-%dT%H:%M")


def typed_moment(value):
    """A stored-form moment (`2026-12-15T12:00`, Brussels time) as a person types it: 15/12/2026 12:00.

    Other text (what someone typed and was refused) is left as it is.
    """
    try:
        return parse_moment(value).strftime("%d/%m/%Y %H:%M") if isinstance(value, str) else value
    except ValueError:
        return value


class Integer(Translated, fields.Integer):
    """A whole number within bounds."""

    default_error_messages = {"invalid": _l("Not a valid whole number.")}

    def __init__(self, label, minimum=None, maximum=None, help_text=None, **kwargs):
        error = (_l("Must be between {min} and {max}.") if maximum is not None and minimum is not None
                 else _l("Must be at least {min}.") if minimum is not None else _l("Must be at most {max}."))
        bounds = validate.Range(min=minimum, max=maximum, error=error)
        super().__init__(strict=False, validate=bounds, metadata=_meta(label, help_text), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) or isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Boolean(Translated, fields.Boolean):
    """Yes or no."""

    default_error_messages = {"invalid": _l("Not a valid yes/no value.")}

    def __init__(self, label, help_text=None, **kwargs):
        super().__init__(metadata=_meta(label, help_text), **kwargs)


class Nested(Translated, fields.Nested):
    """A sub-document (a contact, an address) edited as a group of fields."""

    default_error_messages = {"type": _l("Invalid input type.")}

    def __init__(self, label, schema, help_text=None, **kwargs):
        super().__init__(schema, metadata=_meta(label, help_text), **kwargs)


class NestedList(Translated, fields.List):
    """A list of sub-documents (a provider's lots, a briefing's invitations)."""

    default_error_messages = {"invalid": _l("Not a valid list.")}

    def __init__(self, label, schema, help_text=None, max_items=100, **kwargs):
        too_many = validate.Length(max=max_items, error=_l("At most {max} lines."))
        super().__init__(
            Nested(label, schema),
            validate=too_many,
            metadata=_meta(label, help_text, many=True),
            **kwargs,
        )


class Timestamp(fields.DateTime):
    """A moment set by the system (created_at, updated_at), never typed by a user."""

    def __init__(self, label, **kwargs):
        super().__init__(dump_only=True, metadata=_meta(label), **kwargs)


class Moment(Translated, fields.DateTime):
    """A moment the system records (an e-mail queued, a sign-in refused), loaded as the store holds it: a datetime.

    Written by our code, never typed: a text that looks like a date is refused, not read.
    """

    default_error_messages = {"invalid": _l("Not a valid date and time.")}

    def __init__(self, label, **kwargs):
        super().__init__(metadata=_meta(label), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dt.datetime):
            raise self.make_error("invalid")
        return value


class RecordId(Translated, fields.Field):
    """The `_id` of a stored document: an ObjectId as the store gives it, never a text that looks like one."""

    default_error_messages = {"invalid": _l("Not a valid record identifier.")}

    def __init__(self, label, **kwargs):
        super().__init__(metadata=_meta(label), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, ObjectId):
            raise self.make_error("invalid")
        return value

