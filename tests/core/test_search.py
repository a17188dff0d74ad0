"""ContactIndex: the matching rule, the narrowing/widening cache, and the bulk build agreeing with a plain oracle."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from c2c_desktop.core.models import Contact, PhoneEntry
from c2c_desktop.core.phone import digits_of
from c2c_desktop.core.search import ContactIndex, TextColumn, normalize_text, query_words
from c2c_desktop.core.store import ContactRows, Store, contact_rows_of


def _contact(name: str, company: str = "", title: str = "", *numbers: str) -> Contact:
    phones = tuple(PhoneEntry(number=number, primary=index == 0) for index, number in enumerate(numbers))
    return Contact(id=None, name=name, company=company, title=title, phones=phones)


CONTACTS = [
    _contact("Ada Lovelace", "Analytical Engines", "Countess", "(555) 201-0001"),
    _contact("Alan Turing", "Bletchley Park", "Cryptanalyst", "+1 555 201 0002", "020 7946 0018"),
    _contact("Chloé Dupont", "Crème Brûlée SARL", "", "555.201.0003"),
    _contact("Grace Hopper", "US Navy", "Rear Admiral", "5552010004"),
    _contact("Jürgen Müller", "3M", "Buyer", "+49 30 1234567"),
    _contact("Linus Torvalds", "", "", "555-201-0006 x12"),
    _contact("Nobody Numberless", "Ghost Co", ""),
    _contact("Søren Kierkegaard", "Straße AG", "CEO", "(555) 201-0009"),
]


@pytest.fixture()
def index() -> ContactIndex:
    return ContactIndex(CONTACTS)


def _names(index: ContactIndex, query: str) -> list[str]:
    return [index.names[position] for position in index.search(query)]


def test_empty_and_blank_queries_give_everything(index: ContactIndex) -> None:
    assert list(index.search("")) == list(range(len(CONTACTS)))
    assert list(index.search("   \t ")) == list(range(len(CONTACTS)))
    assert len(index) == len(CONTACTS)
    assert list(index.names) == [contact.name for contact in CONTACTS]


def test_words_match_name_company_or_title_case_insensitively(index: ContactIndex) -> None:
    assert _names(index, "ADA") == ["Ada Lovelace"]
    assert _names(index, "lovelace") == ["Ada Lovelace"]
    assert _names(index, "bletchley") == ["Alan Turing"]
    assert _names(index, "admiral") == ["Grace Hopper"]
    assert _names(index, "an") == ["Ada Lovelace", "Alan Turing"]


def test_every_word_must_match_in_any_order(index: ContactIndex) -> None:
    assert _names(index, "ada engines") == ["Ada Lovelace"]
    assert _names(index, "engines ada") == ["Ada Lovelace"]
    assert _names(index, "ada navy") == []
    assert _names(index, "gr hop") == ["Grace Hopper"]


def test_a_word_never_spans_two_fields(index: ContactIndex) -> None:
    # "Lovelace" + "Analytical": the joint "eanal" must not match.
    assert _names(index, "eanal") == []
    assert _names(index, "ceanal") == []


def test_accents_and_case_folding(index: ContactIndex) -> None:
    assert _names(index, "chloe") == ["Chloé Dupont"]
    assert _names(index, "CHLOÉ") == ["Chloé Dupont"]
    assert _names(index, "creme brulee") == ["Chloé Dupont"]
    assert _names(index, "muller") == ["Jürgen Müller"]
    assert _names(index, "jurgen") == ["Jürgen Müller"]
    assert _names(index, "strasse") == ["Søren Kierkegaard"]  # casefold: ß -> ss
    assert _names(index, "søren") == ["Søren Kierkegaard"]


def test_digits_match_numbers_however_formatted(index: ContactIndex) -> None:
    assert _names(index, "2010001") == ["Ada Lovelace"]
    assert _names(index, "201-0003") == ["Chloé Dupont"]
    assert _names(index, "(555) 201-0004") == ["Grace Hopper"]
    assert _names(index, "555.201.0009") == ["Søren Kierkegaard"]
    assert _names(index, "79460018") == ["Alan Turing"]  # the second number counts too
    assert _names(index, "1234567") == ["Jürgen Müller"]
    assert _names(index, "5552010006") == ["Linus Torvalds"]  # the extension does not get in the way


def test_country_code_1_matches_ten_digit_numbers(index: ContactIndex) -> None:
    assert _names(index, "+15552010001") == ["Ada Lovelace"]
    assert _names(index, "1-555-201-0004") == ["Grace Hopper"]
    assert _names(index, "+1 555 201 0002") == ["Alan Turing"]
    # A number that is not North American gets no "1" in front.
    assert _names(index, "149301234567") == []


def test_digits_do_not_match_text_and_text_does_not_match_digits(index: ContactIndex) -> None:
    # "3M" is Jürgen's company (a text match); Chloé's number holds a 3 (a digit match); nobody else has either.
    assert _names(index, "3m") == ["Chloé Dupont", "Jürgen Müller"]
    assert _names(index, "nobody 5") == []
    assert _names(index, "nobody") == ["Nobody Numberless"]


def test_narrowing_then_backspacing_gives_the_right_results(index: ContactIndex) -> None:
    expected = {
        query: _oracle(CONTACTS, query) for query in ("", "a", "al", "ala", "ala t", "ala tu", "5", "55", "555")
    }
    typed = ["", "a", "al", "ala", "ala t", "ala tu", "ala t", "ala", "al", "a", "", "5", "55", "555", "55", "5", ""]
    for query in typed:
        assert list(index.search(query)) == expected[query], query


def test_a_word_gaining_a_digit_is_not_treated_as_narrowing() -> None:
    index = ContactIndex([_contact("Bob", "", "", "555 0100"), _contact("Carl", "", "", "555 0111")])
    assert [index.names[p] for p in index.search("bo")] == ["Bob"]
    # "bo1" also matches through the digit 1 alone, so Carl (no "bo") matches although "bo" did not.
    assert [index.names[p] for p in index.search("bo1")] == ["Bob", "Carl"]
    assert [index.names[p] for p in index.search("011")] == ["Carl"]
    assert [index.names[p] for p in index.search("01")] == ["Bob", "Carl"]


def test_replace_forgets_the_old_list(index: ContactIndex) -> None:
    assert _names(index, "ada") == ["Ada Lovelace"]
    index.replace([_contact("Ada Byron"), _contact("Zed")])
    assert _names(index, "ada") == ["Ada Byron"]
    assert _names(index, "") == ["Ada Byron", "Zed"]
    index.replace([])
    assert list(index.search("")) == []
    assert list(index.search("ada")) == []


def test_control_characters_in_fields_take_the_slow_path_and_still_match() -> None:
    index = ContactIndex([_contact("Tab\tName", "Odd\x1eCo", "", "555\x000100"), _contact("Plain", "", "", "5550100")])
    assert [index.names[p] for p in index.search("tab name")] == ["Tab\tName"]
    assert [index.names[p] for p in index.search("odd co")] == ["Tab\tName"]
    assert [index.names[p] for p in index.search("5550100")] == ["Tab\tName", "Plain"]


def test_query_words_are_normalized() -> None:
    assert query_words("  Ada  LOVELACE ada ") == ("lovelace", "ada")
    assert normalize_text("Chloé\x00Ç") == "chloe c"


def _oracle(contacts: list[Contact], query: str) -> list[int]:
    """The rule written the slow, obvious way."""
    words = normalize_text(query).split()
    found = []
    for position, contact in enumerate(contacts):
        fields = [normalize_text(field) for field in (contact.name, contact.company, contact.title)]
        numbers = [digits_of(phone.number) for phone in contact.phones]
        numbers += ["1" + digits for digits in numbers if len(digits) == 10 and digits[0] in "23456789"]

        def matches(word: str, fields: list[str] = fields, numbers: list[str] = numbers) -> bool:
            digits = digits_of(word)
            return any(word in field for field in fields) or bool(digits and any(digits in n for n in numbers))

        if all(matches(word) for word in words):
            found.append(position)
    return found


_NAME_CHARS = st.sampled_from(list("abcdeéÉü AB-.'1250"))
_contacts = st.lists(
    st.builds(
        _contact,
        st.text(_NAME_CHARS, max_size=12),
        st.text(_NAME_CHARS, max_size=8),
        st.text(_NAME_CHARS, max_size=6),
        st.text(st.sampled_from(list("0125 -+()")), max_size=12),
    ),
    max_size=12,
)
_queries = st.lists(st.text(st.sampled_from(list("abeé AÉ1250-+")), max_size=5), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(contacts=_contacts, queries=_queries)
def test_any_typing_sequence_agrees_with_the_oracle(contacts: list[Contact], queries: list[str]) -> None:
    index = ContactIndex(contacts)
    for query in queries:
        assert list(index.search(query)) == _oracle(contacts, query), query


def test_a_bigger_list_typed_then_backspaced_agrees_with_the_oracle() -> None:
    rng = random.Random(7)
    syllables = ["an", "be", "co", "da", "el", "fo", "gr", "ha", "in", "jo", "ké", "lu", "mü", "ne", "or"]
    contacts = [
        _contact(
            "".join(rng.choices(syllables, k=3)).title() + " " + "".join(rng.choices(syllables, k=2)),
            "".join(rng.choices(syllables, k=4)),
            "",
            f"({rng.randrange(200, 999)}) 555-{rng.randrange(10000):04d}",
        )
        for _ in range(4_000)
    ]
    index = ContactIndex(contacts)  # build time is measured by benchmarks/bench_search.py
    for query in ["", "k", "ke", "keg", "ke", "k", "m", "mu", "mün", "mün 5", "mün 55", "mün 555"]:
        assert list(index.search(query)) == _oracle(contacts, query), query


def test_a_second_letter_tests_only_contacts_holding_both_letters() -> None:
    # "c" matches everybody; only a few hold an "o" too, so "co" tests just those (the narrowed pass), and must still
    # find exactly the contacts with "co" in them, not those with "c" and "o" apart.
    names = ["Cole Cox", "Oscar Clark", "Jacob Colt", "Cid Ramos"] + [f"Clay Cat {n}" for n in range(300)]
    contacts = [_contact(name, "", "", f"(555) 201-{n:04d}") for n, name in enumerate(names)]
    index = ContactIndex(contacts)
    assert len(index.search("c")) == len(contacts)
    assert [contacts[p].name for p in index.search("co")] == ["Cole Cox", "Jacob Colt"]
    assert list(index.search("co")) == _oracle(contacts, "co")


def test_a_big_result_is_remembered_as_flags_and_comes_back_the_same() -> None:
    contacts = [_contact(f"Anna {n}", "", "", f"(555) 201-{n:04d}") for n in range(500)]
    index = ContactIndex(contacts)
    index.search("a")
    first = list(index.search("an"))  # every contact: a big result, kept as one bit each
    assert len(first) == 500 and index._cached_positions == 0
    index.search("ann")
    assert list(index.search("an")) == first == _oracle(contacts, "an")  # backspaced: from the flags


def test_an_index_built_in_pages_answers_like_one_built_at_once() -> None:
    rows = contact_rows_of(CONTACTS)
    whole = ContactIndex(rows)
    paged = ContactIndex()
    paged.search("a")  # a remembered result must not survive a new page
    for start in range(0, len(CONTACTS), 3):
        end = start + 3
        page = ContactRows(
            rows.ids[start:end],
            rows.names[start:end],
            rows.companies[start:end],
            rows.titles[start:end],
            rows.primary_numbers[start:end],
            rows.numbers[start:end],
        )
        paged.extend(page)
    assert len(paged) == len(whole) == len(CONTACTS)
    for query in ["", "a", "an", "z", "5", "555", "2010003", "chloe", "x", "3m", "nobody"]:
        assert list(paged.search(query)) == list(whole.search(query)) == _oracle(CONTACTS, query), query
    assert list(paged.names) == [c.name for c in CONTACTS]
    assert list(paged.primary_numbers)[:2] == ["(555) 201-0001", "+1 555 201 0002"]
    assert paged.companies[4] == "3M" and paged.titles[3] == "Rear Admiral"


def test_the_index_keeps_ids_and_finds_positions() -> None:
    contacts = [_contact(name) for name in ("Ann", "Bob", "Cy")]
    index = ContactIndex(contact_rows_of(dataclasses.replace(c, id=10 * (n + 1)) for n, c in enumerate(contacts)))
    assert list(index.ids) == [10, 20, 30]
    assert index.position_of(20) == 1
    assert index.position_of(99) is None


def test_rows_from_the_store_index_like_contacts(tmp_path: Path) -> None:
    with Store(tmp_path / "contacts.sqlite3") as store:
        store.add_contacts(CONTACTS)
        rows = store.contact_rows()
        stored = store.list_contacts()
    from_rows, from_contacts = ContactIndex(rows), ContactIndex(stored)
    for query in ["", "a", "lovelace", "201-0003", "+1 555 201 0002", "79460018", "strasse"]:
        assert list(from_rows.search(query)) == list(from_contacts.search(query)), query


def test_text_column_reads_back_what_was_stored() -> None:
    column = TextColumn(["Ada", "", "Chloé Dupont", "Søren"])
    column.extend([])
    column.extend(["Zoë", "\ud800"])  # a lone surrogate survives too
    assert len(column) == 6
    assert list(column) == ["Ada", "", "Chloé Dupont", "Søren", "Zoë", "\ud800"]
    assert column[-2] == "Zoë" and column[1:3] == ["", "Chloé Dupont"]
    with pytest.raises(IndexError):
        column[6]


def test_best_match_prefers_a_word_that_starts_with_the_query() -> None:
    index = ContactIndex(
        [
            _contact("Amara Nwosu", "Horizon Home Care"),
            _contact("Jamal Carter", "Carter Electric"),
            _contact("Marcus Chen", "Harborview Dental"),
            _contact("Tom Becker", "Marble Works"),
        ]
    )
    found = index.search("mar")
    assert [index.names[position] for position in found] == ["Amara Nwosu", "Marcus Chen", "Tom Becker"]
    assert index.names[found[index.best_match("mar", found)]] == "Marcus Chen"
    carter = index.search("cart")
    assert index.names[carter[index.best_match("cart", carter)]] == "Jamal Carter"  # a later word counts too
    assert index.best_match("nwo", index.search("nwo")) == 0
    assert index.best_match("", index.search("")) == 0
    assert index.best_match("zzz", []) == 0
    assert index.best_match("wosu", index.search("wosu")) == 0  # only inside a word: the first match stays


def test_best_match_prefers_the_name_then_the_surname_then_company_then_title() -> None:
    # Enter calls the highlighted contact: a word the list does not show (a title) must not beat a name.
    index = ContactIndex(
        [
            _contact("Andre Jackson", "Peachtree Realty", "Sales Manager"),
            _contact("Claire Dawson", "Dawson & Co", "Principal"),
            _contact("Elena Petrova", "Northwind"),
            _contact("Kwame Mensah", "Cobalt Software"),
            _contact("Marcus Chen", "Harborview Dental"),
            _contact("Peter Lindqvist", "Fjord Logistics"),
            _contact("Priya Raman", "Raman Foods"),
            _contact("Sofia Marquez", "Marquez Legal"),
            _contact("Zed Young", "Anna-Maria Bakery", "Manager"),
        ]
    )

    def best(query: str) -> str:
        found = index.search(query)
        return index.names[found[index.best_match(query, found)]]

    assert best("pet") == "Peter Lindqvist"  # not Elena Petrova (surname)
    assert best("pe") == "Peter Lindqvist"  # not Andre Jackson (Peachtree)
    assert best("pri") == "Priya Raman"  # not Claire Dawson (Principal, a title)
    assert best("sof") == "Sofia Marquez"  # not Kwame Mensah (Cobalt Software)
    assert best("ma") == "Marcus Chen"  # not Andre Jackson (Manager)
    assert best("da") == "Claire Dawson"  # a surname, the best there is
    assert best("soft") == "Kwame Mensah"  # only a company has it
    assert best("mar") == "Marcus Chen"
    assert best("marq") == "Sofia Marquez"
    assert best("maria") == "Zed Young"  # a company word after a hyphen
    assert best("manag") == "Andre Jackson"  # only titles have it: the first such contact


def test_best_match_looks_only_at_the_first_results() -> None:
    contacts = [_contact(f"Xmar {number:03d}") for number in range(20)] + [_contact("Mara Last")]
    index = ContactIndex(contacts)
    found = index.search("mar")
    assert index.best_match("mar", found, scan_limit=5) == 0
    assert index.names[found[index.best_match("mar", found)]] == "Mara Last"
