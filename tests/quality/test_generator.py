"""The labelled cross-source customer set dedupe is measured on."""

from __future__ import annotations

from collections import Counter

from quality.dedupe.generator import SOURCES, generate, true_pairs
from quality.dedupe.normalise import name_tokens, normalise_email, normalise_phone


def test_the_same_seed_gives_the_same_records_and_another_seed_does_not() -> None:
    assert generate(300, seed=4) == generate(300, seed=4)
    assert generate(300, seed=4) != generate(300, seed=5)


def test_people_appear_across_sources_with_unique_ids_per_source() -> None:
    records = generate(2000, seed=1)
    assert {r.person for r in records} == set(range(2000))
    assert {r.source_system for r in records} == set(SOURCES)
    keys = [(r.source_system, r.source_id) for r in records]
    assert len(keys) == len(set(keys))
    per_person = Counter(r.person for r in records)
    assert max(per_person.values()) >= 4 and min(per_person.values()) == 1
    pairs = true_pairs(records)
    assert len(pairs) == sum(n * (n - 1) // 2 for n in per_person.values())
    assert all(records[a].person == records[b].person for a, b in pairs)


def test_douyin_phones_are_masked_and_never_keys() -> None:
    douyin = [r for r in generate(2000, seed=2) if r.source_system == "douyin" and r.phone]
    assert douyin
    assert all(normalise_phone(r.phone).masked for r in douyin)
    assert all(r.email is None for r in douyin)


def test_the_noise_is_there_and_the_normalised_keys_see_through_most_of_it() -> None:
    """Raw values rarely agree across a person's records; normalised ones mostly do,
    but not always (typos, homophones, moves): the matcher's job is the rest."""
    records = generate(3000, seed=3)
    pairs = list(true_pairs(records))
    raw_phone = sum(records[a].phone == records[b].phone for a, b in pairs)

    def phone_key(i: int) -> str | None:
        return normalise_phone(records[i].phone).key

    key_phone = sum(phone_key(a) is not None and phone_key(a) == phone_key(b) for a, b in pairs)
    names = sum(name_tokens(records[a].name) == name_tokens(records[b].name) for a, b in pairs)
    emails = [
        (normalise_email(records[a].email), normalise_email(records[b].email)) for a, b in pairs
    ]
    both = [(x, y) for x, y in emails if x and y]
    assert raw_phone < key_phone
    assert 0.4 < key_phone / len(pairs) < 0.95  # masked and missing phones remain
    assert 0.85 < names / len(pairs) < 1.0  # typos and homophones remain
    assert 0.9 < sum(x == y for x, y in both) / len(both) < 1.0


def test_an_email_address_is_one_persons_mailbox() -> None:
    """Namesakes get handles from one name but never one address: no provider issues an
    address twice. Only a slip can land on someone else's address, and rarely."""
    records = generate(20000, seed=6)
    holders: dict[str, set[int]] = {}
    for record in records:
        if key := normalise_email(record.email):
            holders.setdefault(key, set()).add(record.person)
    shared = [key for key, people in holders.items() if len(people) > 1]
    assert len(shared) <= len(holders) // 5000, shared
    handles = Counter(key.split("@")[0].rstrip("0123456789") for key in holders)
    assert handles.most_common(1)[0][1] > 20  # namesakes are there, on other digits
