"""Resident ID numbers: accepted only with the right check character and a real birth date."""

from __future__ import annotations

from datetime import date

import pytest

from nlu.id_number import check_char, find_id_numbers, is_valid_id_number

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("number", [
    "110101199003074514",
    "11010519491231002X",
    "11010519491231002x",
    "44030820000229001X",
    "320106198803151238",
    "510107201510103319",
])
def test_valid_id_numbers_are_accepted(number: str) -> None:
    assert is_valid_id_number(number, TODAY)


@pytest.mark.parametrize("number", [
    pytest.param("110101199003074515", id="bad check digit"),
    pytest.param("110105194912310020", id="digit where X is due"),
    pytest.param("110101199003075414", id="two digits swapped"),
    pytest.param("110101199002301236", id="30 February"),
    pytest.param("440308200102290017", id="29 February of a common year"),
    pytest.param("110101203001010014", id="born in the future"),
    pytest.param("11010118991231001X", id="born before 1900"),
    pytest.param("11010119900307451", id="17 digits"),
    pytest.param("1101011990030745140", id="19 digits"),
    pytest.param("11010119900307451Y", id="letter other than X"),
])
def test_invalid_id_numbers_are_refused(number: str) -> None:
    assert not is_valid_id_number(number, TODAY)


def test_check_char_follows_gb_11643() -> None:
    assert (check_char("11010519491231002"), check_char("11010119900307451")) == ("X", "4")


def test_id_number_is_found_with_its_span_and_an_upper_case_x() -> None:
    text = "身份证号11010519491231002x，谢谢"

    assert find_id_numbers(text, TODAY) == [("11010519491231002X", 4, 22)]


@pytest.mark.parametrize("text", ["11010119900307451", "1101011990030745140", "9110101199003074514"])
def test_no_id_number_is_cut_out_of_a_longer_or_shorter_digit_run(text: str) -> None:
    assert find_id_numbers(text, TODAY) == []


def test_birth_date_today_is_still_plausible() -> None:
    base = "11010120261123001"

    assert is_valid_id_number(base + check_char(base), TODAY)
