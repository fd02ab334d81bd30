"""The linker: known duplicates merge, distinct people stay apart, evidence says why."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quality.dedupe.generator import generate, true_pairs
from quality.dedupe.linker import MATCH_THRESHOLD, REVIEW_THRESHOLD, link, link_any, match_clusters
from quality.dedupe.pairs import Band, CustomerRecord, ScoredPair, cluster


def _record(
    source: str,
    sid: str,
    name: str,
    phone: str | None = None,
    email: str | None = None,
    city: str | None = None,
    address: str | None = None,
) -> CustomerRecord:
    return CustomerRecord(source, sid, name, phone, email, city, address)


def _by_keys(pairs: list[ScoredPair]) -> dict[frozenset[str], ScoredPair]:
    """Pairs by the two source ids (the tests use ids unique across sources)."""
    return {frozenset((p.left[1], p.right[1])): p for p in pairs}


def _ids(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


def test_two_buyers_behind_one_relay_number_are_not_merged() -> None:
    """A platform's privacy number: one base, an extension per buyer binding."""
    records = [
        _record("u8", "C1", "刘洋", "13812345678-1234", None, "上海", None),
        _record("u8", "C2", "刘洋", "13812345678-5678", None, "上海", None),
        _record("sap", "S1", "LIU YANG", "13812345678", None, "北京", None),
    ]
    assert [p for p in link(records) if p.band is Band.MATCH] == []


def test_one_person_across_sources_is_one_match_with_evidence() -> None:
    records = [
        _record("u8", "C000001", "张伟", "13812345678-1234", None, "上海", "上海市中山路12号"),
        _record(
            "shopify",
            "gid://7",
            "Wei Zhang",
            "+86 138 1234 5678",
            "wei.zhang@qq.com",
            "上海",
            "上海中山路１２号",
        ),
        _record("sap", "1000001", "ZHANG WEI", None, " Wei.Zhang@QQ.com ", "上海市", None),
    ]
    pairs = _by_keys(link(records))
    assert set(pairs) == {
        _ids("1000001", "gid://7"),
        _ids("C000001", "gid://7"),
        _ids("1000001", "C000001"),
    }
    # U8's privacy number is no evidence (its base is the platform's); name and address are
    address_pair = pairs[_ids("C000001", "gid://7")]
    assert address_pair.band is Band.MATCH
    assert "phone" not in address_pair.evidence
    assert address_pair.evidence["name"] == "exact"
    assert address_pair.evidence["place"] == "same address"
    assert address_pair.evidence["score"] == pytest.approx(address_pair.score, abs=1e-6)
    assert pairs[_ids("1000001", "gid://7")].evidence["email"] == "exact"
    labels = cluster([r.key for r in records], [p for p in pairs.values() if p.band is Band.MATCH])
    assert len(set(labels.values())) == 1


def test_homonyms_with_different_phones_and_cities_stay_apart() -> None:
    records = [
        _record("u8", "C1", "张伟", "13812345678", None, "上海", "上海中山路12号"),
        _record("sap", "1", "张伟", "13987654321", None, "北京", "北京人民路8号"),
        _record("shopify", "gid://1", "Wei Zhang", "15011112222", None, "广州", "广州解放路3号"),
    ]
    assert not [p for p in link(records) if p.band is Band.MATCH]


def test_same_masked_phone_and_common_name_never_merge() -> None:
    # Douyin shows 1********35 for one number in a hundred: many 王伟 share it.
    records = [
        _record("douyin", "dy_open_1", "王伟", "1********35", None, "上海", "上海中山路12号"),
        _record("douyin", "dy_open_2", "王伟", "1********35", None, "上海", "上海人民路40号"),
        _record("douyin", "dy_open_3", "王伟", "1********35", None, "杭州", None),
        _record("shopify", "gid://9", "Wei Wang", "138****1235", None, "北京", None),
    ]
    pairs = link(records)
    assert not [p for p in pairs if p.band is Band.MATCH]
    for pair in pairs:  # what is kept for a steward says the phones were masked
        assert str(pair.evidence.get("phone", "")).startswith(("both masked", "masked"))


def test_a_masked_phone_alone_cannot_make_a_match_but_breaks_a_tie() -> None:
    shopify = _record(
        "shopify", "gid://1", "陈平娜", "17712633920", None, "北京", "北京和平路316号"
    )
    agrees = _record("douyin", "dy_1", "陈平娜", "1********20", None, "北京", "北京和平路316号")
    differs = _record("douyin", "dy_2", "陈平娜", "1********21", None, "北京", "北京和平路316号")
    with_agree = _by_keys(link([shopify, agrees]))[_ids("dy_1", "gid://1")]
    with_differ = _by_keys(link([shopify, differs])).get(_ids("dy_2", "gid://1"))
    assert with_agree.evidence["phone"] == "masked, shown digits agree"
    assert with_differ is None or with_differ.score < with_agree.score
    stranger = _record("douyin", "dy_3", "李娜", "1********20", None, "广州", None)
    assert not link([shopify, stranger])


def test_bands_follow_the_thresholds() -> None:
    for pair in link([_as_record(r) for r in generate(300, seed=5)]):
        assert pair.score >= REVIEW_THRESHOLD
        assert (pair.band is Band.MATCH) == (pair.score >= MATCH_THRESHOLD)
        assert {"score", "log_odds"} <= set(pair.evidence)
        assert set(pair.evidence) & {"phone", "email", "name", "place"}


def _as_record(r: object) -> CustomerRecord:
    return CustomerRecord(
        *(
            getattr(r, f)
            for f in ("source_system", "source_id", "name", "phone", "email", "city", "address")
        )
    )


def _match_clusters_of(records: list[CustomerRecord]) -> set[frozenset[tuple[str, str]]]:
    matches = [p for p in link(records) if p.band is Band.MATCH]
    labels = cluster([r.key for r in records], matches)
    groups: dict[int, set[tuple[str, str]]] = {}
    for key, label in labels.items():
        groups.setdefault(label, set()).add(key)
    return {frozenset(g) for g in groups.values()}


@settings(max_examples=8, deadline=None)
@given(st.randoms(use_true_random=False))
def test_linking_does_not_depend_on_record_order(rng: random.Random) -> None:
    records = [_as_record(r) for r in generate(150, seed=11)]
    shuffled = records[:]
    rng.shuffle(shuffled)
    assert _match_clusters_of(shuffled) == _match_clusters_of(records)


def _pairwise(labels: np.ndarray, person: np.ndarray) -> tuple[float, float, float]:
    def count(keys: np.ndarray) -> int:
        _, sizes = np.unique(keys, return_counts=True)
        return int((sizes * (sizes - 1) // 2).sum())

    predicted, true = count(labels), count(person)
    hits = count(labels * (int(person.max()) + 1) + person)
    precision, recall = hits / predicted, hits / true
    return precision, recall, 2 * precision * recall / (precision + recall)


@pytest.fixture(scope="module")
def generated() -> tuple[np.ndarray, np.ndarray, int]:
    records = generate(3000, seed=2024)
    result = link_any(records)
    labels = match_clusters(
        len(records), result.left[result.is_match], result.right[result.is_match]
    )
    person = np.array([r.person for r in records])
    assert len(true_pairs(records)) > 3000  # the set has real duplicates to find
    return labels, person, int((~result.is_match).sum())


def test_accuracy_on_generated_customers(generated: tuple[np.ndarray, np.ndarray, int]) -> None:
    labels, person, _ = generated
    precision, recall, f1 = _pairwise(labels, person)
    assert precision >= 0.999, (precision, recall, f1)
    # Measured 0.945-0.957 over seeds 1, 5, 2024 at this size (0.95 at 10k records):
    # the recall ceiling is Douyin records of people who moved (masked phone, no email,
    # other city: only the name is left).
    assert f1 >= 0.94, (precision, recall, f1)


@pytest.mark.xfail(strict=True, reason="issue 9's bar F1 >= 0.99 is not reached yet: see report")
def test_accuracy_reaches_the_issue_bar(generated: tuple[np.ndarray, np.ndarray, int]) -> None:
    labels, person, _ = generated
    precision, _, f1 = _pairwise(labels, person)
    assert precision >= 0.999 and f1 >= 0.99


def test_pairs_are_ordered_and_never_self(generated: tuple[np.ndarray, np.ndarray, int]) -> None:
    records = [_as_record(r) for r in generate(200, seed=3)]
    for pair in link(records + records[:20]):  # a re-sent record is the same record
        assert pair.left < pair.right


def test_a_mask_beside_a_foreign_number_is_no_evidence() -> None:
    records = [
        _record("douyin", "dy_1", "James Smith", "1********71", None, "上海", "上海中山路12号"),
        _record(
            "shopify", "gid://1", "James Smith", "+1 415 555 2671", None, "上海", "上海中山路12号"
        ),
        _record("douyin", "dy_2", "Anna Brown", "1****************************", None, None, None),
    ]
    pair = _by_keys(link(records))[_ids("dy_1", "gid://1")]
    assert "phone" not in pair.evidence
    assert pair.evidence["place"] == "same address"


def test_one_address_and_one_name_is_one_person_even_for_a_common_name() -> None:
    # An address is one mailbox: 刘艳's namesakes hold other digits, so the same address
    # and the same name is the same person, however common the name.
    records = [
        _record("shopify", "gid://1", "刘艳", None, "yan.liu532@sina.com", "上海", None),
        _record("sap", "1000001", "LIU YAN", "13812345678", " Yan.Liu532@Sina.com ", "上海"),
    ]
    records += [
        _record("u8", f"C{n}", "刘艳", f"1391234{n:04d}", f"yan.liu{n}@sina.com", "上海")
        for n in range(200)
    ]
    pairs = link(records)
    pair = _by_keys(pairs)[_ids("gid://1", "1000001")]
    assert pair.band is Band.MATCH
    assert pair.evidence["email"] == "exact"
    matches = [p for p in pairs if p.band is Band.MATCH]
    assert matches == [pair]  # the namesakes, other addresses and numbers, stay apart
