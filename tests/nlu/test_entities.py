"""Address and phone extraction on the forms residents really write."""

from __future__ import annotations

import pytest

from nlu.entities import Address, extract_entities, find_address


@pytest.mark.parametrize(("text", "expected"), [
    ("3栋2单元楼道里的下水道堵了", Address("3", "2")),
    ("我住3栋2单元501", Address("3", "2", "501")),
    ("5号楼门口", Address("5")),
    ("十二栋的电梯坏了", Address("12")),
    ("二十三幢三单元", Address("23", "3")),
    ("一百零三栋", Address("103")),
    ("地址是7-2-302", Address("7", "2", "302")),
    ("１２号楼", None),
])
def test_address_forms(text: str, expected: Address | None) -> None:
    found = find_address(text)
    if expected is None:
        # Full-width digits are normalised by the classifier, not here: no false building.
        assert found is None or found[0].building == "12"
        return
    assert found is not None
    assert found[0] == expected


@pytest.mark.parametrize("text", ["3月5号上午来办", "下周5号下午", "电话13912345678"])
def test_dates_and_phones_are_not_buildings(text: str) -> None:
    assert find_address(text) is None


def test_phone_is_extracted_with_its_span() -> None:
    text = "联系电话13912345678，住3栋"
    phones = [e for e in extract_entities(text) if e.entity == "phone"]

    assert [(p.value, text[p.start:p.end]) for p in phones] == [("13912345678", "13912345678")]


def test_longer_digit_run_is_not_a_phone() -> None:
    assert not [e for e in extract_entities("身份证110101199003074514") if e.entity == "phone"]
