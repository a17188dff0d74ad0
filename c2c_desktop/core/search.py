"""Search-as-you-type over the contact list, fast enough for 100,000 contacts in pure Python.

Matching rule: every whitespace-separated word of the query must match the contact, where a word matches when

* it is a substring of the contact's name, company or title, ignoring case and accents (casefold + NFKD), or
* it contains digits and those digits are a substring of the digits of one of the contact's numbers, however
  either is formatted: "2010" and "201-0" both match "(555) 201-0003". A ten-digit North American number is also
  matched with its country code 1 in front, so "15552010003" and "+1 555 201" find "(555) 201-0003".

The index works on `ContactRows` (compact columns from `Store.contact_rows`, never full Contact objects) and keeps the
columns a list shows (ids, names, companies, titles, primary numbers), each text column in one UTF-8 buffer.

How it is fast: each contact becomes one precomputed record string, ``"name\\ncompany\\ntitle\\x02digits"``, with the
number digits shifted to the control characters \\x10-\\x19. A text word can then never match inside the numbers and
a (shifted) digit word never matches inside the text, so one ``in`` test per contact per word suffices, run by
``map``/``compress`` in C. The records are built in bulk (one casefold, one regex pass over joined text) rather than
per contact. Results of recent queries are kept (big ones as one bit per contact), so a query that extends one of
them (one more letter typed, or a new word) only filters that result, and backspacing or typing a word again returns
a remembered result. Per single character one bit per
contact is kept (12.5 kB each; letters and digits computed while indexing), which answers one-letter queries and
prefilters longer words.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from itertools import accumulate, compress, islice, repeat
from typing import overload

from c2c_desktop.core.models import Contact
from c2c_desktop.core.store import NUMBERS_SEPARATOR, ContactRows, contact_rows_of

__all__ = ["ContactIndex", "TextColumn", "normalize_text", "query_words"]

# A record is "name\x1fcompany\x1ftitle\x01N1\x01N2\x01": the control characters never occur in a query word, so a
# word never spans two fields, and the number digits N are shifted to \x10-\x19 so that text and digits never mix.
_RECORD_SEPARATOR = "\x1e"  # only while building: between contacts in the joined text
_FIELD_SEPARATOR = "\x1f"
_NUMBER_SEPARATOR = NUMBERS_SEPARATOR  # "\x01": ContactRows.numbers arrive in the record's own form
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

# Per-character flags are kept as one bit per contact (12.5 kB for 100,000) and turned into one byte per contact (what
# itertools.compress takes) through their binary digits, in C.
_BYTE_TO_BIT_CHAR = bytes.maketrans(b"\x00\x01", b"01")
_BIT_CHAR_TO_BYTE = bytes.maketrans(b"01", b"\x00\x01")
#: Characters whose flags are computed while indexing (letters, shifted digits): first keystrokes need no scan.
PRECOMPUTED_CHARS = "abcdefghijklmnopqrstuvwxyz" + "0123456789".translate(_SHIFT_DIGITS)

#: How many result positions the query cache may hold in total (8 bytes each: the int objects are shared).
CACHE_POSITION_BUDGET = 300_000
_BUILD_CHUNK = 1024  # contacts per bulk pass: the temporaries of one pass stay as free heap (~1 MiB), not more
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


def _bits_of(flag_bytes: bytes) -> int:
    """Bit i set when byte i of `flag_bytes` (all 0 or 1) is 1."""
    return int(flag_bytes.translate(_BYTE_TO_BIT_CHAR)[::-1], 2) if flag_bytes else 0


def _bytes_of(bits: int, count: int) -> bytes:
    """`count` bytes, byte i 1 when bit i of `bits` (non-negative, below 2**count) is set, else 0."""
    return format(bits, f"0{count}b")[::-1].encode("ascii").translate(_BIT_CHAR_TO_BYTE) if count else b""


def _implies(narrower: str, wider: str) -> bool:
    """True when every contact matching query word `narrower` also matches query word `wider`."""
    if wider not in narrower:
        return False
    # "ab1" can match through its digit alone, which says nothing about the text word "ab".
    return bool(_shifted_digits(wider)) or not _shifted_digits(narrower)


def _record_slowly(name: str, company: str, title: str, numbers: str) -> str:
    """The record of one contact, for the rare lists the bulk path cannot take (control characters in fields)."""
    text = _FIELD_SEPARATOR.join(map(normalize_text, (name, company, title)))
    digits = (_NOT_DIGIT.sub("", _ascii_digits(number)) for number in numbers.split(NUMBERS_SEPARATOR))
    return text + _number_part(_NUMBER_SEPARATOR + _NUMBER_SEPARATOR.join(digits) + _NUMBER_SEPARATOR)


def _number_part(numbers: str) -> str:
    raw = _ascii_digits(numbers).encode("ascii", "ignore").translate(_SHIFT_DIGIT_BYTES, _NOT_NUMBER_BYTES)
    return _NANP_TEN_DIGITS.sub(b"\x01\x11", raw).decode("ascii")


def _build_records(rows: ContactRows) -> list[str]:
    """One record string per contact, built with a few C-level passes over joined text rather than per contact.

    Done in chunks so that the temporary strings stay small (freed memory is not always given back to the OS).
    """
    records: list[str] = []
    for start in range(0, len(rows), _BUILD_CHUNK):
        end = start + _BUILD_CHUNK
        records.extend(
            _build_chunk(
                rows.names[start:end], rows.companies[start:end], rows.titles[start:end], rows.numbers[start:end]
            )
        )
    return records


def _build_chunk(names: list[str], companies: list[str], titles: list[str], numbers: list[str]) -> list[str]:
    blob = _RECORD_SEPARATOR.join(map("{}\x1f{}\x1f{}\x02{}".format, names, companies, titles, numbers))
    pieces = blob.replace("\x02", _RECORD_SEPARATOR).split(_RECORD_SEPARATOR)
    encoded = blob.encode("utf-8", "surrogatepass")
    if len(pieces) != 2 * len(names) or len(encoded.translate(None, _UNEXPECTED_CONTROL_BYTES)) != len(encoded):
        return list(map(_record_slowly, names, companies, titles, numbers))
    texts = list(map(str.casefold, pieces[0::2]))
    for position in compress(range(len(texts)), map(operator.not_, map(str.isascii, texts))):
        texts[position] = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", texts[position]))
    digits = _number_part(_NUMBER_SEPARATOR + "\x01\x00\x01".join(pieces[1::2]) + _NUMBER_SEPARATOR)
    return list(map(operator.add, texts, digits.split(_NUMBERS_RECORD_SEPARATOR)))


# best_match's ranks below a name match (lower wins).
_RANK_COMPANY, _RANK_TITLE, _NO_RANK = 2, 3, 4


def _has_word_starting(field: str, word: str, later_words: tuple[str, ...]) -> bool:
    return field.startswith(word) or later_words[0] in field or later_words[1] in field


#: A remembered result: its positions (None when only its flags are kept), its flags (None when not computed) and
#: how many contacts it holds.
_Cached = tuple[list[int] | None, int | None, int]


class TextColumn(Sequence[str]):
    """A column of texts in one UTF-8 buffer plus end offsets: ~20 bytes a text instead of ~75 as a list of str.

    Reading one text decodes it (well under a microsecond), which suits columns read only for the visible rows.
    """

    def __init__(self, texts: Iterable[str] = ()) -> None:
        """A column holding `texts`."""
        self._buffer = bytearray()
        self._ends: array[int] = array("I")  # 4 GB of text at most: plenty for a contact list
        self.extend(texts)

    def extend(self, texts: Iterable[str]) -> None:
        """Append `texts`."""
        encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
        # accumulate yields the initial value (the previous end) first: skip it.
        self._ends.extend(islice(accumulate(map(len, encoded), initial=len(self._buffer)), 1, None))
        self._buffer += b"".join(encoded)

    def __len__(self) -> int:
        return len(self._ends)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TextColumn):
            return NotImplemented
        return self._ends == other._ends and self._buffer == other._buffer

    __hash__ = None  # type: ignore[assignment]  # mutable

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        ends = self._ends
        end = ends[index]  # raises IndexError as a list would
        if index < 0:
            index += len(ends)
        start = ends[index - 1] if index else 0
        return self._buffer[start:end].decode("utf-8", "surrogatepass")


def _rows(contacts: ContactRows | Iterable[Contact]) -> ContactRows:
    return contacts if isinstance(contacts, ContactRows) else contact_rows_of(contacts)


class ContactIndex:
    """The contacts' display columns plus precomputed search records. Not thread-safe: use it from one thread.

    Positions (what `search` returns) are indexes into the columns: `names[position]` and so on.
    """

    def __init__(self, rows: ContactRows | Iterable[Contact] = ()) -> None:
        """Index `rows` (in display order, normally name order; Contacts are converted); 100,000 take ~0.3 s."""
        self.ids: array[int] = array("q")
        self.names = TextColumn()
        self.companies = TextColumn()
        self.titles = TextColumn()
        self.primary_numbers = TextColumn()
        self._records: list[str] = []
        self._all: list[int] = []
        self._cache: OrderedDict[tuple[str, ...], _Cached] = OrderedDict()
        self._cached_positions = 0
        self._char_flags: dict[str, int] = {}
        self.replace(rows)

    def __len__(self) -> int:
        return len(self.ids)

    def replace(self, rows: ContactRows | Iterable[Contact]) -> None:
        """Index a new contact list (after an import, edit or delete), forgetting every cached result."""
        self.ids = array("q")
        self.names = TextColumn()
        self.companies = TextColumn()
        self.titles = TextColumn()
        self.primary_numbers = TextColumn()
        self._records = []
        self._all = []
        self._char_flags.clear()
        self.extend(rows)

    def extend(self, rows: ContactRows | Iterable[Contact]) -> None:
        """Add contacts after the indexed ones (the next page of a list loaded in pages); forgets cached results."""
        rows = _rows(rows)
        self.ids.extend(rows.ids)
        self.names.extend(rows.names)
        self.companies.extend(rows.companies)
        self.titles.extend(rows.titles)
        self.primary_numbers.extend(rows.primary_numbers)
        start = len(self._records)
        added = _build_records(rows)
        self._records.extend(added)
        # Every known character's flags keep covering every record: extend them with the new records'.
        for char in set(self._char_flags).union(PRECOMPUTED_CHARS):
            new_bits = _bits_of(bytes(map(operator.contains, added, repeat(char))))
            self._char_flags[char] = self._char_flags.get(char, 0) | (new_bits << start)
        # One shared int object per position: results hold 8-byte references instead of new ints. A new list (a
        # caller may hold the old one) that reuses the old ints: making them all again per page fragments the heap.
        self._all = [*self._all, *range(len(self._all), len(self.ids))]
        self._cache.clear()
        self._cached_positions = 0

    def same_contacts(self, other: ContactIndex) -> bool:
        """True when `other` indexes the same contacts in the same order, with the same texts and numbers (a list
        read again after another program changed only the call journal)."""
        return (
            self.ids == other.ids
            and self._records == other._records
            and self.names == other.names
            and self.companies == other.companies
            and self.titles == other.titles
            and self.primary_numbers == other.primary_numbers
        )

    def position_of(self, contact_id: int) -> int | None:
        """The position of the contact with id `contact_id`, or None."""
        try:
            return self.ids.index(contact_id)
        except ValueError:
            return None

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
            return self._positions_of(cached)
        base_words, (base, bits, count) = self._best_base(words)
        for word in words:
            if word in base_words:
                continue
            base, bits = self._filter(base, bits, count, word)
            count = len(base)
            if not base:
                break
        # A query equal to its base would have been a cache hit: at least one word was filtered.
        assert base is not None
        self._remember(words, base, bits)
        return base

    def best_match(self, query: str, positions: Sequence[int], scan_limit: int = 500) -> int:
        """The index in `positions` (a `search(query)` result) of the contact to highlight first.

        Results stay in name order, but "mar" should highlight Marcus rather than Amara, and "pet" Peter rather than
        Elena Petrova, since Enter calls the highlighted contact. With the query's longest text word, the first contact
        wins whose name starts with it; else whose surname (a later word of the name) does; else whose company
        does (a word of it); else whose title does. Only the first `scan_limit` results are looked at, so this stays
        cheap on every keystroke; 0 when none qualifies.
        """
        text_words = [word for word in query_words(query) if not _NOT_DIGIT.sub("", word)]
        if not text_words or not positions:
            return 0
        word = text_words[0]
        records = self._records
        scanned = list(map(records.__getitem__, positions[:scan_limit]))
        # C passes pick the candidates; Python looks only at those. A name starting with the word ranks first.
        name_starts = list(map(str.startswith, scanned, repeat(word)))
        if True in name_starts:
            return name_starts.index(True)
        later_words = (" " + word, "-" + word, _FIELD_SEPARATOR + word)  # a word of any field but the first
        somewhere = map(
            operator.or_,
            map(operator.contains, scanned, repeat(later_words[0])),
            map(
                operator.or_,
                map(operator.contains, scanned, repeat(later_words[1])),
                map(operator.contains, scanned, repeat(later_words[2])),
            ),
        )
        best_rank, best_index = _NO_RANK, 0
        for index in compress(range(len(scanned)), somewhere):
            name, _, rest = scanned[index].partition(_FIELD_SEPARATOR)
            if later_words[0] in name or later_words[1] in name:
                return index  # a surname: nothing left ranks higher
            company, _, title = rest.partition(_FIELD_SEPARATOR)
            if best_rank > _RANK_COMPANY and _has_word_starting(company, word, later_words):
                best_rank, best_index = _RANK_COMPANY, index
            elif best_rank > _RANK_TITLE and _has_word_starting(title, word, later_words):
                best_rank, best_index = _RANK_TITLE, index
        return best_index

    def matches_only_in_title(self, position: int, words: Sequence[str]) -> bool:
        """True when a query word (from `query_words`) is found in the title of the contact at `position` but not in
        its name or company: a list showing only those must show the title too, or the match looks wrong.

        Cheap (a split of one record and a few substring tests): meant for the visible rows only.
        """
        if not words:
            return False
        name, _, rest = self._records[position].partition(_FIELD_SEPARATOR)
        company, _, rest = rest.partition(_FIELD_SEPARATOR)
        title = rest.partition(_NUMBER_SEPARATOR)[0]
        return any(word in title and word not in name and word not in company for word in words)

    def _best_base(self, words: tuple[str, ...]) -> tuple[tuple[str, ...], _Cached]:
        """The smallest remembered result that is known to contain every match of `words` (its positions may be
        None: then only its flags are kept, and `_filter` makes the positions only if it needs them)."""
        best_words: tuple[str, ...] = ()
        best: _Cached | None = None
        best_count = len(self._all)
        for cached_words, cached in self._cache.items():
            if cached[2] < best_count and all(
                any(_implies(word, cached_word) for word in words) for cached_word in cached_words
            ):
                best_words, best, best_count = cached_words, cached, cached[2]
        if best is None:
            return (), (self._all, (1 << len(self._all)) - 1, len(self._all))
        return best_words, best

    def _positions_of(self, cached: _Cached) -> list[int]:
        positions, bits, _ = cached
        if positions is None:
            assert bits is not None  # _remember keeps one or the other
            return self._select(self._all, bits)
        return positions

    def _filter(
        self, positions: list[int] | None, bits: int | None, count: int, word: str
    ) -> tuple[list[int], int | None]:
        """The positions whose record matches query word `word`, and their flags (None when not computed).

        The candidates are `count` contacts: `positions`, and `bits` their flags when known (bit i set: record i is
        in). `positions` is None when only the flags are kept; they are made only on the paths that need them.
        """
        records = self._records
        shifted = _shifted_digits(word)
        if len(word) == 1:
            # One character (typically the first keystroke): its flags are the answer.
            flags = self._char_flags_of(word) | (self._char_flags_of(shifted) if shifted else 0)
            if bits is not None:
                flags &= bits
                return self._select(self._all, flags), flags
            assert positions is not None  # a base without positions has its flags
            return self._select(positions, flags), None
        contains = operator.contains
        known = self._known_flags(word)
        if known is not None and shifted:
            known_digits = self._known_flags(shifted)
            known = None if known_digits is None else known | known_digits
        if bits is not None and count * 3 > len(records):
            # Most records are candidates (typically the second keystroke). Only those holding every character of the
            # word can match: when that rules out at least a quarter, test just those (a substring test costs ~170 ns
            # a record, the lookup ~25 ns); else test every record in one C pass, with no per-position lookups.
            narrowed = None if known is None else known & bits
            if narrowed is None or narrowed.bit_count() * 4 > len(records) * 3:
                flags = _bits_of(bytes(map(contains, records, repeat(word))))
                if shifted:
                    flags |= _bits_of(bytes(map(contains, records, repeat(shifted))))
                flags &= bits
                return self._select(self._all, flags), flags
            positions = self._select(self._all, narrowed)
        elif known is not None and known.bit_count() * 2 < count:
            # Contacts lacking one of the word's characters go in one C pass before the substring tests.
            if positions is None:
                assert bits is not None  # a base without positions has its flags
                known &= bits
            positions = self._select(self._all if positions is None else positions, known)
        if positions is None:
            assert bits is not None
            positions = self._select(self._all, bits)
        if shifted:
            candidates = records if positions is self._all else list(map(records.__getitem__, positions))
            found = map(
                operator.or_, map(contains, candidates, repeat(word)), map(contains, candidates, repeat(shifted))
            )
        elif positions is self._all:
            found = map(contains, records, repeat(word))
        else:
            found = map(contains, map(records.__getitem__, positions), repeat(word))
        return list(compress(positions, found)), None

    def _select(self, positions: list[int], flags: int) -> list[int]:
        flag_bytes = _bytes_of(flags, len(self._records))
        if positions is self._all:
            return list(compress(positions, flag_bytes))
        return list(compress(positions, map(flag_bytes.__getitem__, positions)))

    def _char_flags_of(self, char: str) -> int:
        """An int whose bit i is set when record i contains `char` (computed once per character)."""
        flags = self._char_flags.get(char)
        if flags is None:
            flags = _bits_of(bytes(map(operator.contains, self._records, repeat(char))))
            self._char_flags[char] = flags
        return flags

    def _known_flags(self, word: str) -> int | None:
        """Flags of the records holding every character of `word`, if all are known already; else None."""
        combined = -1
        for char in set(word):
            flags = self._char_flags.get(char)
            if flags is None:
                return None
            combined &= flags
        return combined

    def _remember(self, words: tuple[str, ...], positions: list[int], bits: int | None) -> None:
        if positions is self._all or (len(words) == 1 and len(words[0]) == 1):
            return  # one character: its flags answer it again in a millisecond or two, so spare the memory
        if bits is not None and len(positions) * 64 > len(self._records):
            # A big result (typically two letters): its flags (one bit a contact) are smaller than its position list
            # (8 bytes a contact) and give the list back in a millisecond or two, so keep only them.
            self._cache[words] = (None, bits, len(positions))
        else:
            self._cache[words] = (positions, bits, len(positions))
            self._cached_positions += len(positions)
        while (
            self._cache
            and (len(self._cache) > CACHE_QUERIES or self._cached_positions > CACHE_POSITION_BUDGET)
            and len(self._cache) > 1
        ):
            _, (dropped, _, _) = self._cache.popitem(last=False)
            self._cached_positions -= len(dropped or ())
