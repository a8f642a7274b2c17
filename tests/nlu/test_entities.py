"""Rule-based entities on the forms residents really write: addresses, phones, IDs, tickets, times."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from nlu.address import unit_alone
from nlu.entities import Address, EntityExtractor, extract_entities, find_address, find_phones, find_ticket_numbers

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def entities_of(text: str, name: str) -> list[tuple[str, str]]:
    """(value, span text) of every entity of that name."""
    return [(e.value, e.text) for e in EntityExtractor().extract(text, NOW) if e.entity == name]


@pytest.mark.parametrize(("text", "expected"), [
    ("3栋2单元楼道里的下水道堵了", Address("3", "2")),
    ("我住3栋2单元501", Address("3", "2", "501")),
    ("3栋2单元501室漏水", Address("3", "2", "501")),
    ("5号楼门口", Address("5")),
    ("十二栋的电梯坏了", Address("12")),
    ("7幢楼下", Address("7")),
    ("12号楼3单元", Address("12", "3")),
    ("二十三幢三单元", Address("23", "3")),
    ("一百零三栋", Address("103")),
    ("地址是7-2-302", Address("7", "2", "302")),
    ("3-2-501", Address("3", "2", "501")),
    ("东区8栋", Address("8")),
    ("3栋1502", Address("3", None, "1502")),
    ("A座1201", Address("A", None, "1201")),
    ("１２号楼", Address("12")),
])
def test_address_forms(text: str, expected: Address) -> None:
    found = find_address(text)

    assert found is not None
    assert found[0] == expected


@pytest.mark.parametrize("text", [
    "3月5号上午来办",
    "下周5号下午",
    "5号上午来",
    "12月31号",
    "电话13912345678",
    "139-1234-5678",
    "身份证110101199003074514",
    "三单元的灯坏了",
    "两栋楼之间的路灯",
    "去1号窗口办",
    "坐地铁2号线",
    "0571-86012345",
])
def test_dates_phones_ids_and_units_alone_are_not_buildings(text: str) -> None:
    assert find_address(text) is None


def test_area_prefix_is_in_the_span_but_not_in_the_address() -> None:
    text = "我住东区8栋2单元"
    found = find_address(text)

    assert found is not None
    assert (found[0], text[found[1]:found[2]]) == (Address("8", "2"), "东区8栋2单元")


def test_address_entity_value_is_the_label() -> None:
    assert entities_of("我家3-2-501漏水", "address") == [("3栋2单元501室", "3-2-501")]


@pytest.mark.parametrize(("text", "expected"), [
    ("联系电话13912345678，住3栋", ("13912345678", "13912345678")),
    ("139-1234-5678", ("13912345678", "139-1234-5678")),
    ("139 1234 5678", ("13912345678", "139 1234 5678")),
    ("+8613912345678", ("13912345678", "+8613912345678")),
    ("座机0571-86012345", ("0571-86012345", "0571-86012345")),
    ("打010-62345678", ("010-62345678", "010-62345678")),
    ("(0571)86012345", ("0571-86012345", "(0571)86012345")),
    ("电话１３９１２３４５６７８", ("13912345678", "１３９１２３４５６７８")),
])
def test_phone_forms_are_normalised_to_digits(text: str, expected: tuple[str, str]) -> None:
    assert entities_of(text, "phone") == [expected]


@pytest.mark.parametrize("text", [
    pytest.param("身份证110101199003074514", id="inside a valid ID number"),
    pytest.param("139012199001011233", id="inside an invalid ID number"),
    pytest.param("卡号6222021391234567890", id="inside a bank card number"),
    pytest.param("1391234567", id="ten digits"),
    pytest.param("12912345678", id="no mobile prefix 12"),
    pytest.param("139-1234 5678", id="mixed separators"),
])
def test_no_phone_is_cut_out_of_other_digits(text: str) -> None:
    assert entities_of(text, "phone") == []


def test_phone_spans_index_the_original_text() -> None:
    text = "电话139 1234 5678或0571-86012345"

    assert [text[start:end] for _, start, end in find_phones(text)] == ["139 1234 5678", "0571-86012345"]


@pytest.mark.parametrize(("text", "expected"), [
    ("我的工单GD20261123-0001怎么样了", "GD20261123-0001"),
    ("gd20261123-0001", "GD20261123-0001"),
    ("查一下ZX20261201-12345", "ZX20261201-12345"),
    ("ＧＤ２０２６１１２３－０００２", "GD20261123-0002"),
])
def test_ticket_numbers_are_upper_cased(text: str, expected: str) -> None:
    assert [value for value, _ in entities_of(text, "ticket_number")] == [expected]


@pytest.mark.parametrize("text", ["GD2026112-0001", "ABCDE20261123-0001", "GD20261123-001"])
def test_malformed_ticket_numbers_are_not_tickets(text: str) -> None:
    assert find_ticket_numbers(text) == []


def test_valid_id_number_is_an_id_and_nothing_else() -> None:
    entities = EntityExtractor().extract("身份证139012199001011232", NOW)

    assert [(e.entity, e.value) for e in entities] == [("id_number", "139012199001011232")]


def test_invalid_id_number_yields_no_entity_at_all() -> None:
    assert EntityExtractor().extract("身份证139012199001011233", NOW) == ()


def test_id_number_ending_in_lower_case_x_is_upper_cased() -> None:
    assert entities_of("11010519491231002x", "id_number") == [("11010519491231002X", "11010519491231002x")]


def test_several_entities_come_in_text_order_without_overlap() -> None:
    text = "明天下午三点来3栋2单元501修水管，电话139-1234-5678，身份证11010519491231002X，工单GD20261123-0001"
    entities = EntityExtractor().extract(text, NOW)

    assert [(e.entity, e.value) for e in entities] == [
        ("time", "2026-11-24T15:00:00+08:00"),
        ("address", "3栋2单元501室"),
        ("phone", "13912345678"),
        ("id_number", "11010519491231002X"),
        ("ticket_number", "GD20261123-0001"),
    ]
    assert all(a.end <= b.start for a, b in pairwise(entities))
    assert all(text[e.start:e.end] == e.text for e in entities)


@pytest.mark.parametrize(("text", "span"), [
    ("老板让我交居住证明 我租的19栋2单元603 房东同意了", "19栋2单元603"),
    ("我家21号楼3单元502 卫生间渗水", "21号楼3单元502"),
    ("3栋楼道里堆满电瓶车", "3栋"),
    ("住9栋402房", "9栋402房"),
])
def test_address_span_stops_where_the_address_ends(text: str, span: str) -> None:
    found = find_address(text)

    assert found is not None
    assert text[found[1]:found[2]] == span


def test_bare_day_of_month_is_a_time_for_the_extractor_but_a_building_after_zhu() -> None:
    booking = EntityExtractor().extract("能给我约25号的律师吗", NOW)
    home = EntityExtractor().extract("我住8号", NOW)

    assert [(e.entity, e.text) for e in booking + home] == [("time", "25号"), ("address", "8号")]


def test_building_and_time_in_one_message_are_both_found() -> None:
    entities = EntityExtractor().extract("5号楼下午停水", NOW)

    assert [(e.entity, e.text) for e in entities] == [("address", "5号楼"), ("time", "下午")]


def test_day_of_month_before_a_part_of_day_is_a_time_not_a_building() -> None:
    entities = EntityExtractor().extract("5号上午来3栋", NOW)

    assert [(e.entity, e.text) for e in entities] == [("time", "5号上午"), ("address", "3栋")]


def test_now_in_another_zone_is_read_in_the_extractor_zone() -> None:
    utc_evening = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # already the 24th in Shanghai
    entities = EntityExtractor().extract("明天", utc_evening)

    assert [e.value for e in entities] == ["2026-11-25T00:00:00+08:00"]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        EntityExtractor().extract("明天", datetime(2026, 11, 23))  # noqa: DTZ001


def test_module_level_extract_entities_uses_the_current_time() -> None:
    entities = extract_entities("联系电话13912345678，住3栋，明天来")

    assert [e.entity for e in entities] == ["phone", "address", "time"]


@pytest.mark.parametrize(("text", "unit"), [
    ("2单元", ("2", None)), ("二单元", ("2", None)), ("是2单元不是1单元", ("2", None)),
    ("不是1单元 是2单元", ("2", None)),
    ("不对 是三单元", ("3", None)), ("对了 忘了说 是4单元", ("4", None)), ("就是2单元啊", ("2", None)),
    ("3单元402", ("3", "402")), ("是3单元1102室", ("3", "1102")), ("是三单元的501", ("3", "501")),
    ("3栋2单元", None), ("2单元门口的灯坏了", None), ("我住2单元", None), ("好的", None), ("3单元402有人吵", None),
])
def test_a_unit_said_on_its_own_is_read_and_nothing_more_is(text: str, unit: tuple[str, str | None] | None) -> None:
    assert unit_alone(text) == unit
