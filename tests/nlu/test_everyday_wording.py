"""Readers of how residents actually write: corrections, "no building number", grouped ID numbers,
landlines with spaces, digits read out by voice input, homophones of a community, traditional characters."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.address import says_no_building, stated_address, without_no_building
from nlu.entities import find_phones
from nlu.id_number import find_id_numbers
from nlu.text import chinese_to_int, simplified, sounds_like, spoken_digits

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(("text", "building"), [
    ("3栋，不对，是13栋", "13"),
    ("是13栋不是3栋", "13"),
    ("5栋 哦不 我说错了 15栋", "15"),
    ("3栋和5栋中间那条路", "3"),
    ("我们是幺零三栋的", "103"),
])
def test_the_stated_building_is_the_corrected_one(text: str, building: str) -> None:
    found = stated_address(text)

    assert found is not None
    assert found[0].building == building


@pytest.mark.parametrize("text", ["没有楼号", "莫得门牌", "我不知道几栋 租的房", "不在楼里", "记不清了"])
def test_saying_there_is_no_building_number_is_recognised(text: str) -> None:
    assert says_no_building(text)


@pytest.mark.parametrize("text", ["3栋2单元", "东门", "楼道灯坏了"])
def test_ordinary_words_do_not_say_there_is_no_building(text: str) -> None:
    assert not says_no_building(text)


def test_the_description_of_where_drops_the_no_building_words() -> None:
    assert without_no_building("没有楼号 就在小区外面公交站旁边") == "小区外面公交站旁边"
    assert without_no_building("东门外面的路边") == "东门外面的路边"


@pytest.mark.parametrize("text", ["110101 19900307 4514", "110101-1990-0307-4514", "身份证 110101199003074514"])
def test_an_id_number_is_found_whole_or_in_groups(text: str) -> None:
    assert [number for number, _, _ in find_id_numbers(text, TODAY)] == ["110101199003074514"]


def test_groups_that_fail_the_check_digit_are_no_id_number() -> None:
    assert find_id_numbers("110101 19900307 4515", TODAY) == []


@pytest.mark.parametrize(("text", "phone"), [
    ("0571-8623 1460", "0571-86231460"),
    ("0571 8623-1460", "0571-86231460"),
    ("139-1234-5678", "13912345678"),
    ("139 1234 5678", "13912345678"),
])
def test_phone_numbers_written_in_groups_are_found(text: str, phone: str) -> None:
    assert [value for value, _, _ in find_phones(text)] == [phone]


def test_digits_read_out_by_voice_input_become_digits_and_short_numbers_stay_words() -> None:
    assert spoken_digits("电话幺三九一二三四五六七八") == "电话13912345678"
    assert spoken_digits("１３９１２３４５６７８") == "13912345678"
    assert spoken_digits("三栋两个人") == "三栋两个人"
    assert chinese_to_int("幺零三") == 103


def test_a_homophone_of_a_community_name_is_heard_as_it() -> None:
    assert sounds_like("青水社区", "我是清水社区的")
    assert not sounds_like("青水", "电梯坏了")


def test_traditional_characters_are_read_as_simplified() -> None:
    assert simplified("電梯按鈕失靈好幾天了") == "电梯按钮失灵好几天了"
