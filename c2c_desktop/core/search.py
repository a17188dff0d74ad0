"""Search-as-you-type over the contact list, fast enough for 100,000 contacts in pure Python.

Matching rule: every whitespace-separated word of the query must match the contact, where a word matches when

* it is a substring of the contact's name, company or title, ignoring case and accents (casefold + NFKD), or
* it contains digits and those digits are a substring of the digits of one of the contact's numbers, however
  either is formatted: "2010" and "201-0" both match "(555) 201-0003". A ten-digit North American number is also
  matched with its country code 1 in front, so "15552010003" and "+1 555 201" find "(555) 201-0003".

How it is fast: each contact becomes one precomputed record string, ``"name\\ncompany\\ntitle\\x02digits"``, with the
number digits shifted to the control characters \\x10-\\x19. A text word can then never match inside the numbers and
a (shifted) digit word never matches inside the text, so one ``in`` test per contact per word suffices, run by
``map``/``compress`` in C. The records are built in bulk (one casefold, one regex pass over joined text) rather than
per contact. Results of recent queries are kept, so a query that extends one of them (one more letter typed, or a
new word) only filters that result, and backspacing returns a remembered result. Per single character a byte flag
per contact is remembered (100 kB each), which answers one-letter queries and prefilters longer words.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from itertools import compress, repeat

from c2c_desktop.core.models import Contact

_NUMBER_TEXT = operator.attrgetter("number")

__all__ = ["ContactIndex", "normalize_text", "query_words"]

# A record is "name\x1fcompany\x1ftitle\x01N1\x01N2\x01": the control characters never occur in a query word, so a
# word never spans two fields, and the number digits N are shifted to \x10-\x19 so that text and digits never mix.
_RECORD_SEPARATOR = "\x1e"  # only while building: between contacts in the joined text
_FIELD_SEPARATOR = "\x1f"
_NUMBER_SEPARATOR = "\x01"
_NUMBERS_RECORD_SEPARATOR = "\x00"  # only while building: between contacts in the joined numbers
# Control characters a field may not hold for the fast path (\x01, \x02, \x1e, \x1f are used as separators).
_UNEXPECTED_CONTROL_BYTES = bytes(range(0x20)).translate(None, b"\x01\x02\x1e\x1f")
_SHIFT_DIGITS = str.maketrans("0123456789", "".join(chr(0x10 + value) for value in range(10)))
_SHIFT_DIGIT_BYTES = bytes.maketrans(b"0123456789", bytes(range(0x10, 0x1A)))
_NOT_NUMBER_BYTES = bytes(set(range(256)) - set(b"0123456789\x00\x01"))
# A ten-digit North American number (area code never starts with 0 or 1) also gets its country code 1.
_NANP_TEN_DIGITS = re.compile(rb"\x01(?=[\x12-\x19][\x10-\x19]{9}\x01)")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_COMBINING_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_NOT_DIGIT = re.compile(r"[^0-9]+")

#: How many result positions the query cache may hold in total (8 bytes each: the int objects are shared).
CACHE_POSITION_BUDGET = 600_000
_BUILD_CHUNK = 8192
#: How many past queries are remembered at most.
CACHE_QUERIES = 64


def _fold(text: str) -> str:
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", folded))


def normalize_text(text: str) -> str:
    """Text as matched: casefolded, accents removed (NFKD minus combining marks), control characters as spaces."""
    return _CONTROL_CHARS.sub(" ", _fold(text))


def _ascii_digits(text: str) -> str:
    """Unicode decimal digits (e.g. Arabic-Indic) replaced by ASCII ones; other characters kept."""
    if text.isascii():
        return text
    return _NOT_ASCII.sub(lambda match: str(unicodedata.decimal(match.group(), "")) or match.group(), text)


def _shifted_digits(word: str) -> str:
    """The digits of `word` in the record's shifted form, or "" when it has none."""
    return _NOT_DIGIT.sub("", _ascii_digits(word)).translate(_SHIFT_DIGITS)


def query_words(query: str) -> tuple[str, ...]:
    """The normalized words of a query, longest first, without duplicates (the order does not change the result)."""
    words = set(normalize_text(query).split())
    return tuple(sorted(words, key=lambda word: (-len(word), word)))


def _implies(narrower: str, wider: str) -> bool:
    """True when every contact matching query word `narrower` also matches query word `wider`."""
    if wider not in narrower:
        return False
    # "ab1" can match through its digit alone, which says nothing about the text word "ab".
    return bool(_shifted_digits(wider)) or not _shifted_digits(narrower)


def _record_slowly(contact: Contact) -> str:
    """The record of one contact, for the rare lists the bulk path cannot take (control characters in fields)."""
    text = _FIELD_SEPARATOR.join(map(normalize_text, (contact.name, contact.company, contact.title)))
    digits = (_NOT_DIGIT.sub("", _ascii_digits(phone.number)) for phone in contact.phones)
    return text + _number_part(_NUMBER_SEPARATOR + _NUMBER_SEPARATOR.join(digits) + _NUMBER_SEPARATOR)


def _number_part(numbers: str) -> str:
    raw = _ascii_digits(numbers).encode("ascii", "ignore").translate(_SHIFT_DIGIT_BYTES, _NOT_NUMBER_BYTES)
    return _NANP_TEN_DIGITS.sub(b"\x01\x11", raw).decode("ascii")


def _build_records(contacts: Sequence[Contact]) -> list[str]:
    """One record string per contact, built with a few C-level passes over joined text rather than per contact.

    Done in chunks so that the temporary strings stay small (freed memory is not always given back to the OS).
    """
    records: list[str] = []
    for start in range(0, len(contacts), _BUILD_CHUNK):
        records.extend(_build_chunk(contacts[start : start + _BUILD_CHUNK]))
    return records


def _build_chunk(contacts: Sequence[Contact]) -> list[str]:
    join_numbers = _NUMBER_SEPARATOR.join
    # The one pass over the contact objects (touching 100k objects is most of the cost).
    blob = _RECORD_SEPARATOR.join(
        [f"{c.name}\x1f{c.company}\x1f{c.title}\x02{join_numbers(map(_NUMBER_TEXT, c.phones))}" for c in contacts]
    )
    pieces = blob.replace("\x02", _RECORD_SEPARATOR).split(_RECORD_SEPARATOR)
    encoded = blob.encode("utf-8", "surrogatepass")
    if len(pieces) != 2 * len(contacts) or len(encoded.translate(None, _UNEXPECTED_CONTROL_BYTES)) != len(encoded):
        return [_record_slowly(contact) for contact in contacts]
    texts = list(map(str.casefold, pieces[0::2]))
    for position in compress(range(len(texts)), map(operator.not_, map(str.isascii, texts))):
        texts[position] = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", texts[position]))
    numbers = _number_part(_NUMBER_SEPARATOR + "\x01\x00\x01".join(pieces[1::2]) + _NUMBER_SEPARATOR)
    return list(map(operator.add, texts, numbers.split(_NUMBERS_RECORD_SEPARATOR)))


class ContactIndex:
    """The contacts plus precomputed search records. Not thread-safe: use it from one thread (the GUI thread)."""

    def __init__(self, contacts: Iterable[Contact] = ()) -> None:
        """Index `contacts` (a list in display order, normally name order); 100,000 take a few tenths of a second."""
        self._contacts: list[Contact] = []
        self._records: list[str] = []
        self._all: list[int] = []
        self._cache: OrderedDict[tuple[str, ...], list[int]] = OrderedDict()
        self._cached_positions = 0
        self._char_flags: dict[str, int] = {}
        self.replace(contacts)

    @property
    def contacts(self) -> list[Contact]:
        """The indexed contacts, in the order positions refer to. Do not modify it; call replace()."""
        return self._contacts

    def __len__(self) -> int:
        return len(self._contacts)

    def replace(self, contacts: Iterable[Contact]) -> None:
        """Index a new contact list (after an import, edit or delete), forgetting every cached result."""
        self._contacts = list(contacts)
        self._records = _build_records(self._contacts)
        # One shared int object per position: results hold 8-byte references instead of new ints.
        self._all = list(range(len(self._contacts)))
        self._cache.clear()
        self._cached_positions = 0
        self._char_flags.clear()

    def search(self, query: str) -> list[int]:
        """Positions (ascending) of the contacts matching every word of `query`; all positions for an empty query.

        The returned list may be shared with the index's cache: do not modify it.
        """
        words = query_words(query)
        if not words:
            return self._all
        cached = self._cache.get(words)
        if cached is not None:
            self._cache.move_to_end(words)
            return cached
        base_words, base = self._best_base(words)
        for word in words:
            if word in base_words:
                continue
            base = self._filter(base, word)
            if not base:
                break
        self._remember(words, base)
        return base

    def _best_base(self, words: tuple[str, ...]) -> tuple[tuple[str, ...], list[int]]:
        """The smallest remembered result that is known to contain every match of `words`."""
        best_words: tuple[str, ...] = ()
        best = self._all
        for cached_words, positions in self._cache.items():
            if len(positions) < len(best) and all(
                any(_implies(word, cached_word) for word in words) for cached_word in cached_words
            ):
                best_words, best = cached_words, positions
        return best_words, best

    def _filter(self, positions: list[int], word: str) -> list[int]:
        """The positions whose record matches query word `word`."""
        records = self._records
        shifted = _shifted_digits(word)
        if len(word) == 1:
            # One character (typically the first keystroke): its remembered byte flags are the answer.
            flags = self._char_flags_of(word) | (self._char_flags_of(shifted) if shifted else 0)
            return self._select(positions, flags)
        known = self._known_flags(word)
        if known is not None and shifted:
            known_digits = self._known_flags(shifted)
            known = None if known_digits is None else known | known_digits
        if known is not None and known.bit_count() * 2 < len(positions):
            # Contacts lacking one of the word's characters go in one C pass before the substring tests.
            positions = self._select(positions, known)
        contains = operator.contains
        if shifted:
            candidates = records if positions is self._all else list(map(records.__getitem__, positions))
            hits = map(
                operator.or_, map(contains, candidates, repeat(word)), map(contains, candidates, repeat(shifted))
            )
        elif positions is self._all:
            hits = map(contains, records, repeat(word))
        else:
            hits = map(contains, map(records.__getitem__, positions), repeat(word))
        return list(compress(positions, hits))

    def _select(self, positions: list[int], flags: int) -> list[int]:
        flag_bytes = flags.to_bytes(len(self._records), "little")
        if positions is self._all:
            return list(compress(positions, flag_bytes))
        return list(compress(positions, map(flag_bytes.__getitem__, positions)))

    def _char_flags_of(self, char: str) -> int:
        """An int whose byte i is 1 when record i contains `char` (computed once per character, 1 byte per contact)."""
        flags = self._char_flags.get(char)
        if flags is None:
            flags = int.from_bytes(bytes(map(operator.contains, self._records, repeat(char))), "little")
            self._char_flags[char] = flags
        return flags

    def _known_flags(self, word: str) -> int | None:
        """Byte flags of the records holding every character of `word`, if all are known already; else None."""
        combined = -1
        for char in set(word):
            flags = self._char_flags.get(char)
            if flags is None:
                return None
            combined &= flags
        return combined

    def _remember(self, words: tuple[str, ...], positions: list[int]) -> None:
        if positions is self._all:
            return
        self._cache[words] = positions
        self._cached_positions += len(positions)
        while (
            self._cache
            and (len(self._cache) > CACHE_QUERIES or self._cached_positions > CACHE_POSITION_BUDGET)
            and len(self._cache) > 1
        ):
            _, dropped = self._cache.popitem(last=False)
            self._cached_positions -= len(dropped)
