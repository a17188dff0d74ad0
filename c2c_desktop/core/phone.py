"""Read, check and format phone numbers (libphonenumber via the `phonenumbers` package).

What is accepted: anything a person types or pastes — ``(555) 111-2222``, ``555.111.2222``, ``+1 555 111 2222``,
``1-555-111-2222``, ``tel:+1-555-111-2222;ext=12``, ``tel:%2B1...``, ``callto:...``, a number inside text
("Call me at (555) 111-2222 tomorrow"), unicode digits and spaces, vanity letters (``1-800-FLOWERS``) and an
extension suffix (``ext. 12``, ``x12``). The extension is reported but never dialed.

What is sent (``DialNumber.dial``, digits only), relative to the default region R (a setting, "US" by default):

* a number with R's country code is sent in R's national dialing form: the digits of its national format, i.e. the
  national significant number plus R's trunk prefix where R uses one. North America has none, so US/CA numbers go
  out as their 10 digits (``5551112222``, like the service's own example); from GB, ``+44 20 7946 0018`` goes out
  as ``02079460018``;
* any other number is sent as R's international dialing prefix followed by country code and national number, as
  libphonenumber's ``format_out_of_country_calling_number`` writes it: from US, ``+44 20 7946 0018`` goes out as
  ``011442079460018``. A region with no single international prefix (BR, KR, ... where a carrier code is chosen)
  refuses international numbers rather than guess.

What is refused (PhoneError, a short plain message): no number in the text, an impossible length (too short, too
long, local-only without its area code), an unknown country code, emergency numbers (libphonenumber's region-aware
short-number data: 911/112 in US, 112/110 in DE, 999/112 in GB, 112/113 in NO — while Norwegian mobiles such as
911 23 456 are fine) and short service numbers of the region (411, 116117, ...). A number that is possible but not
valid (the fictional 555 numbers of the demo) is accepted with a warning.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote

from c2c_desktop.core.region import DEFAULT_REGION as DEFAULT_REGION  # also the phone module's own name

if TYPE_CHECKING:
    from phonenumbers import NumberParseException, PhoneNumber

    from c2c_desktop.core.models import PhoneEntry

#: Longest bit of typed text quoted back in a message.
_QUOTE_LIMIT = 40
#: Pasted text beyond this is not searched (a number is never that deep in a paste meant for the dial pad).
_SEARCH_LIMIT = 2000

# Separators people put between digits (ASCII and the unicode dashes/brackets libphonenumber also accepts).
_SEPARATORS = r"\s\-\u2010-\u2015\u2212\u30fc\uff0d().\[\]/~\u2053\u223c\uff5e\uff08\uff09"
_EXTENSION = r"(?:\s*[,;]?\s*(?:e?xt(?:ension|n)?\.?|x|#|;?ext=)\s*[:.]?\s*\d{1,10}#?)?"
# A number with nothing else around it: parsed directly, without the (slower) search through text.
_PLAIN_NUMBER = re.compile(rf"\s*\+?[\d{_SEPARATORS}]*\d[\d{_SEPARATORS}]*{_EXTENSION}\s*", re.IGNORECASE)
# A vanity number such as 1-800-FLOWERS: digits first, then letters and digits with no spaces between words.
_VANITY_NUMBER = re.compile(r"\s*\+?[\d\s().\-]*\d[\d\s().\-]*[A-Za-z][A-Za-z\d().\-]*\s*")
# Digits with separators: the fallback when no possible number is found, so that "555" gets a specific message.
_DIGIT_RUN = re.compile(rf"\+?\d(?:[\d{_SEPARATORS}]*\d)?")
_SCHEME = re.compile(r"^\s*(?:tel|callto|sip|sips):(?://)?", re.IGNORECASE)
_NON_ASCII_DIGITS = re.compile(r"[^0-9]+")
# An extension at the end of a number as entered ("… ext. 214", "… x214"): the pinned form has none.
_TRAILING_EXTENSION = re.compile(r"\d\D*?(?:e?xt(?:ension|n)?\.?|x|#|ext=)\s*[:.]?\s*(\d{1,10})#?\s*$", re.IGNORECASE)
#: Candidates with at most this many digits are checked against the emergency numbers as written.
_SHORT_DIGITS = 8


@functools.cache
def _load_library() -> None:
    """Import libphonenumber (~50 ms) on first use, not with this module: the window shows before it is needed.

    Every entry point gets here through is_valid_region; the helpers then import the names they use (a dictionary
    lookup once loaded).
    """
    from phonenumbers import re_util

    # Keep libphonenumber's compiled metadata patterns instead of going through re's small cache on every call:
    # parse_number runs for every contact of an import.
    re_util.enable_pattern_cache()


class PhoneError(ValueError):
    """str(err) is a short, plain message for the agent, e.g. 'the number 555 is too short'."""


class _UnreadableError(PhoneError):
    """The candidate text is not a possible number (unlike a refused emergency number): another reading may be."""


@dataclass(frozen=True)
class DialNumber:
    """One checked number: what to send, and how to show it."""

    dial: str  # digits only, exactly what is sent to the service
    e164: str  # '+15551112222'
    display: str  # formatted for reading in the default region
    region: str | None  # region of the number, e.g. 'US' (main region of its country code if libphonenumber can't say)
    extension: str  # '' if none
    warning: str | None  # e.g. 'this number is not valid in US numbering (possible only); check it'


def is_valid_region(region: str) -> bool:
    """True for a region code libphonenumber knows (two letters, any case, e.g. 'US', 'gb')."""
    _load_library()
    import phonenumbers

    return isinstance(region, str) and region.strip().upper() in phonenumbers.SUPPORTED_REGIONS


def warm_up(region: str = DEFAULT_REGION) -> None:
    """Load libphonenumber and what `parse_number` reads for a number of `region` (the metadata of every region
    sharing its country code, and its short numbers: tens of milliseconds of imports on first use), so that the
    first number typed or dialled does not wait for them. Called off the GUI thread (CallableNow's warm-up)."""
    if not is_valid_region(region):
        return
    import phonenumbers

    example = phonenumbers.example_number(region.strip().upper())
    if example is None:
        return
    try:
        parse_number(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164), region)
    except PhoneError:
        pass  # loading was the point; a region whose own example is refused still had its data read


def digits_of(text: str) -> str:
    """Only the digits 0-9 of text, unicode digits (e.g. Arabic-Indic) converted to ASCII; used for search matching."""
    if text.isascii():
        return _NON_ASCII_DIGITS.sub("", text)
    return "".join(str(unicodedata.decimal(char)) for char in text if char.isdecimal())


def find_number_text(text: str, region: str = DEFAULT_REGION) -> str | None:
    """The part of pasted text that holds the phone number (tel:/callto: wrappers removed), or None if no digits.

    Uses libphonenumber's PhoneNumberMatcher (leniency POSSIBLE) and falls back to the longest run of digits, so
    that a too-short number still gets a specific message from parse_number. Never raises: an unknown region only
    finds numbers written with their country code (and the digit fallback).
    """
    try:
        region_code = _region_code(region)
    except PhoneError:
        region_code = "ZZ"
    try:
        unwrapped = _unwrap(text)
        candidate = _locate(unwrapped, region_code)
        if candidate is None or region_code == "ZZ":
            return candidate
        try:
            _check(candidate, region_code, text)
        except _UnreadableError:
            return _second_reading(candidate, unwrapped, region_code) or candidate
        except PhoneError:
            pass
        return candidate
    except Exception:  # a paste helper must never break the dial pad
        return None


def parse_number(text: str, region: str = DEFAULT_REGION) -> DialNumber:
    """Read a typed or pasted number, check it, and give the digits to dial; raises PhoneError (only) if refused."""
    region_code = _region_code(region)
    try:
        return _parse(text, region_code)
    except PhoneError:
        raise
    except Exception:  # the contract is PhoneError only, whatever the library does with odd input
        raise PhoneError(f"could not read a phone number in {_quote(text)}") from None


def display_number(text: str, region: str = DEFAULT_REGION) -> str:
    """The number formatted for reading (national format at home, international abroad); never raises.

    Returns the input stripped when it cannot be read as a dialable number.
    """
    try:
        return parse_number(text, region).display
    except PhoneError:
        return text.strip() if isinstance(text, str) else ""


def _region_code(region: str) -> str:
    if not is_valid_region(region):
        raise PhoneError(f"unknown region {region!r}; use a two-letter country code such as US, GB or DE")
    return region.strip().upper()


def _quote(text: str) -> str:
    """Text as it can be shown back: one line, whitespace collapsed, shortened."""
    flat = " ".join(text.split()) if isinstance(text, str) else ""
    if len(flat) > _QUOTE_LIMIT:
        flat = flat[: _QUOTE_LIMIT - 1] + "…"
    return f"'{flat}'"


def _shown(candidate: str) -> str:
    """The number as typed, for 'the number 555 is too short'."""
    return _quote(candidate)[1:-1]


def _unwrap(text: str) -> str:
    """Remove what a link puts around a number: tel:/callto: schemes, %-escapes, URI parameters."""
    if "%" in text:
        text = unquote(text)
    scheme = _SCHEME.match(text)
    if scheme is None:
        return text
    body = text[scheme.end() :].strip()
    body = body.split("?", 1)[0].split("@", 1)[0]
    number, *params = body.split(";")
    extension = ""
    for param in params:
        name, _, value = param.partition("=")
        name = name.strip().lower()
        if name == "ext":
            extension = value.strip()
        elif name == "phone-context" and value.strip().startswith("+") and not number.strip().startswith("+"):
            number = value.strip() + number  # RFC 3966 local number with a global prefix
    return f"{number} ext. {extension}" if extension else number


def _locate(text: str, region: str) -> str | None:
    if _PLAIN_NUMBER.fullmatch(text):
        return text.strip()
    searched = text[:_SEARCH_LIMIT]
    found = _first_match(searched, region)
    if found is not None:
        return found
    if _VANITY_NUMBER.fullmatch(searched):
        return searched.strip()
    runs: list[str] = _DIGIT_RUN.findall(searched)
    if not runs:
        return None
    return max(runs, key=lambda run: len(digits_of(run)))


def _first_match(text: str, region: str) -> str | None:
    import phonenumbers

    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        return str(match.raw_string)
    return None


def _parse(text: str, region: str) -> DialNumber:
    unwrapped = _unwrap(text)
    candidate = _locate(unwrapped, region)
    if candidate is None:
        raise PhoneError(f"no phone number found in {_quote(text)}")
    try:
        return _check(candidate, region, text)
    except _UnreadableError as first_error:
        alternative = _second_reading(candidate, unwrapped, region)
        if alternative is not None:
            try:
                return _check(alternative, region, text)
            except _UnreadableError:
                pass
        raise PhoneError(str(first_error)) from None


def _second_reading(candidate: str, unwrapped: str, region: str) -> str | None:
    """A number found by searching text that read as one plain but unusable number, e.g. two numbers pasted."""
    if candidate != unwrapped.strip():
        return None  # the candidate already came from a search
    found = _first_match(unwrapped[:_SEARCH_LIMIT], region)
    return found if found != candidate else None


def _check(candidate: str, region: str, text: str) -> DialNumber:
    import phonenumbers  # one import statement: this runs for every number of a contacts import

    short_info = phonenumbers.shortnumberinfo
    number_format = phonenumbers.PhoneNumberFormat

    shown = _shown(candidate)
    # Emergency numbers are short: refuse them as written, before parsing could call them "too short".
    if "+" not in candidate and len(digits_of(candidate)) <= _SHORT_DIGITS:
        if short_info.connects_to_emergency_number(candidate, region):
            raise PhoneError(_emergency(shown))
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException as exc:
        raise _UnreadableError(_parse_failure(exc, shown, text)) from None

    country_code = number.country_code or 0  # always set after a successful parse
    main_region = phonenumbers.region_code_for_country_code(country_code)
    known_main_region = main_region if main_region in phonenumbers.SUPPORTED_REGIONS else None
    # The number without its extension: the extension is reported, never dialed.
    bare = phonenumbers.PhoneNumber(
        country_code=country_code,
        national_number=number.national_number,
        italian_leading_zero=number.italian_leading_zero,
        number_of_leading_zeros=number.number_of_leading_zeros,
    )
    is_home = country_code == phonenumbers.country_code_for_region(region)

    if is_home:
        national = phonenumbers.format_number(bare, number_format.NATIONAL)
        dial = digits_of(national)
        # Check what is dialed: 1-911-555-1234 dials 9115551234, which reaches 911 in the US.
        if short_info.connects_to_emergency_number(dial, region):
            raise PhoneError(_emergency(shown))
    else:
        nsn = phonenumbers.national_significant_number(bare)
        if known_main_region is not None and short_info.is_emergency_number(nsn, known_main_region):
            raise PhoneError(_emergency(shown))

    number_region, is_valid = _region_and_validity(bare)
    short_region = region if is_home else known_main_region
    if not is_valid and short_region is not None and short_info.is_valid_short_number_for_region(bare, short_region):
        raise PhoneError(f"{shown} is a short service number in {short_region}; only full phone numbers can be called")
    reason = phonenumbers.is_possible_number_with_reason(bare)
    if reason != phonenumbers.ValidationResult.IS_POSSIBLE:
        raise _UnreadableError(_length_failure(reason, shown))

    if is_home:
        display = national if not number.extension else phonenumbers.format_number(number, number_format.NATIONAL)
    else:
        international = phonenumbers.format_out_of_country_calling_number(bare, region)
        if international.startswith("+"):
            raise PhoneError(f"{shown} is an international number and {region} has no single international prefix")
        dial = digits_of(international)
        display = phonenumbers.format_number(number, number_format.INTERNATIONAL)

    warning = None
    if not is_valid:
        numbering = known_main_region or "international"
        warning = f"this number is not valid in {numbering} numbering (possible only); check it"
    return DialNumber(
        dial=dial,
        e164=phonenumbers.format_number(bare, number_format.E164),
        display=display,
        region=number_region if number_region in phonenumbers.SUPPORTED_REGIONS else known_main_region,
        extension=number.extension or "",
        warning=warning,
    )


def _emergency(shown: str) -> str:
    return f"{shown} is an emergency number; this app never dials emergency services"


@functools.cache
def _region_table(country_code: int) -> tuple[tuple[str, re.Pattern[str] | None], ...]:
    """The regions sharing a country code, in libphonenumber's order, with their compiled leading-digits pattern."""
    import phonenumbers
    from phonenumbers import PhoneMetadata

    table = []
    for region_code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        metadata = PhoneMetadata.metadata_for_region(region_code.upper(), None)
        if metadata is not None:
            leading = re.compile(metadata.leading_digits) if metadata.leading_digits is not None else None
            table.append((region_code, leading))
    return tuple(table)


def _region_and_validity(number: PhoneNumber) -> tuple[str | None, bool]:
    """(region_code_for_number, is_valid_number) in one pass, as libphonenumber decides them.

    Same logic as the library, but the library recompiles each region's leading-digits pattern per call: for a
    number no North American region claims (the demo's 555 numbers) that is 25 lookups, half of a parse_number.
    """
    import phonenumbers

    country_code = number.country_code or 0
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    if len(regions) == 1:
        return regions[0], phonenumbers.is_valid_number_for_region(number, regions[0])
    national = phonenumbers.national_significant_number(number)
    for region_code, leading in _region_table(country_code):
        if leading is None:
            if phonenumbers.is_valid_number_for_region(number, region_code):
                return region_code, True
        elif leading.match(national):
            return region_code, phonenumbers.is_valid_number_for_region(number, region_code)
    return None, False


def _parse_failure(exc: NumberParseException, shown: str, text: str) -> str:
    from phonenumbers import NumberParseException

    kind = exc.error_type
    if kind == NumberParseException.INVALID_COUNTRY_CODE:
        return f"the number {shown} has an unknown country code"
    if kind in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
        return f"the number {shown} is too short"
    if kind == NumberParseException.TOO_LONG:
        return f"the number {shown} is too long"
    return f"no phone number found in {_quote(text)}"


def _length_failure(reason: int, shown: str) -> str:
    from phonenumbers import ValidationResult

    if reason == ValidationResult.TOO_SHORT:
        return f"the number {shown} is too short"
    if reason == ValidationResult.TOO_LONG:
        return f"the number {shown} is too long"
    if reason == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
        return f"the number {shown} is too short: add the area code"
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        return f"the number {shown} has an unknown country code"
    return f"the number {shown} has the wrong number of digits"


def number_to_call(target: str | PhoneEntry, region: str = DEFAULT_REGION) -> DialNumber:
    """What calling `target` dials from `region`, and how it is shown; raises PhoneError.

    The one reading shared by the window, the CLI, the journal and the exports. A contact's number (a `PhoneEntry`)
    is read from its pinned international form, so a change of region never makes it another number (its extension
    comes from the text as entered); text typed or pasted now is read in `region`.
    """
    if isinstance(target, str):
        return parse_number(target, region)
    number = parse_number(target.pinned, region)
    if target.e164 and (extension := _TRAILING_EXTENSION.search(target.number)) is not None:
        number = dataclasses.replace(number, extension=extension.group(1))
    return number


def digits_to_dial(phone: PhoneEntry, region: str = DEFAULT_REGION) -> str:
    """The digits `number_to_call` sends from `region`, or "" for a number that cannot be called."""
    try:
        return number_to_call(phone, region).dial
    except PhoneError:
        return ""


def written_for(phone: PhoneEntry, region: str = DEFAULT_REGION) -> str:
    """The number's text to put in a field or a file read in `region`: as entered when it reads as the same number
    there, else its international form (an entered "(505) 555-0104" pinned to the US reads as a UK number in GB)."""
    if not phone.e164:
        return phone.number
    try:
        as_entered: DialNumber | None = parse_number(phone.number, region)
    except PhoneError:
        as_entered = None
    if as_entered is not None and as_entered.e164 == phone.e164:
        return phone.number
    import phonenumbers

    try:
        text = phonenumbers.format_number(phonenumbers.parse(phone.e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        text = phone.e164
    extension = as_entered.extension if as_entered is not None else ""
    return f"{text} ext. {extension}" if extension else text
