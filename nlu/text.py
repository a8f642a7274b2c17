"""Text normalisation shared by the classifier and the entity extractors."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import cache, lru_cache

from opencc import OpenCC
from pypinyin import lazy_pinyin

_CN_DIGITS = {
    "零": 0, "〇": 0, "幺": 1, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL = "[零〇幺一二两三四五六七八九十百千]+"
_DIGIT_RUN = re.compile(r"\d+")
_SPOKEN_DIGITS = {**{ch: str(value) for ch, value in _CN_DIGITS.items()}, "洞": "0"}
_SPOKEN_RUN = re.compile(r"[零〇一二两三四五六七八九幺洞0-9０-９ -]{7,}")


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, collapsed white space."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def mask_digits(text: str) -> str:
    """Every run of digits becomes one `0`, so '3栋' and '12栋' look alike to a classifier."""
    return _DIGIT_RUN.sub("0", text)


_CONTRACTED_TENS = {"廿": "二十", "卅": "三十"}


def chinese_to_int(text: str) -> int | None:
    """'十二' -> 12, '一百零三' -> 103, '廿三' (as Shanghai and Cantonese write 二十三) -> 23, '23' -> 23; None for
    anything else."""
    if text.isdigit():
        return int(text)
    for contracted, tens in _CONTRACTED_TENS.items():
        text = text.replace(contracted, tens)
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    if all(ch in _CN_DIGITS for ch in text) and len(text) > 1:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def spoken_digits(text: str) -> str:
    """Digits read out as words (幺三九一二三四五六七八八, as voice input writes a phone number) and
    full-width digits made ASCII, one character for one, so spans carry over; short runs stay as
    they are (三栋, 两个人)."""
    def digits(match: re.Match[str]) -> str:
        run = match.group(0)
        if sum(ch in _SPOKEN_DIGITS or ch.isdigit() for ch in run) < 7:
            return run
        return "".join(_SPOKEN_DIGITS.get(ch, unicodedata.normalize("NFKC", ch)) for ch in run)
    return _SPOKEN_RUN.sub(digits, text)


@cache
def _to_simplified() -> OpenCC:
    return OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters as simplified (電梯按鈕失靈 -> 电梯按钮失灵): residents from Hong Kong,
    Taiwan and abroad, and phones set to traditional input, write to the same office."""
    return _to_simplified().convert(text) if text else text


def sounds_like(name: str, text: str) -> bool:
    """Whether `text` holds `name` or a word written with other characters of the same sound (清水 for
    青水): voice input picks one of the homophones, often not the one on the office's sign."""
    return name in text or (len(text) >= len(name) and bool(heard_names([name], text)))


def heard_names(names: Iterable[str], text: str, is_a_word: Callable[[str], bool] | None = None) -> list[str]:
    """The names (of two characters or more) the text holds only as heard, written with other characters of
    the same sound (店题 for 电梯): one reading of the text's sounds for all of them. With `is_a_word`, a span
    that is a word of its own (午夜 is not a mishearing of 物业) does not count."""
    chars, heard = _heard(text)
    found = []
    for name in names:
        if len(name) < 2 or name in text:
            continue
        sound, width = _sound_of(name), len(name)
        if any(heard[i:i + width] == sound and not (is_a_word and is_a_word(chars[i:i + width]))
               for i in range(len(heard) - width + 1)):
            found.append(name)
    return found


@lru_cache(maxsize=4096)
def _heard(text: str) -> tuple[str, tuple[str, ...]]:
    """The text's characters that have one sound, and those sounds: read once for every name and every reader
    that asks about the same message (a form's slots, the catalogue, the classifier's features)."""
    read = [(char, sound) for char in text if (sound := _sound_of_char(char)) is not None]
    return "".join(char for char, _ in read), tuple(sound for _, sound in read)


@lru_cache(maxsize=65536)
def _sound_of_char(char: str) -> str | None:
    syllables = lazy_pinyin(char)
    return _loosely(syllables[0]) if len(syllables) == 1 else None


@cache
def _sound_of(name: str) -> tuple[str, ...]:
    return tuple(_loosely(syllable) for syllable in lazy_pinyin(name))


_RETROFLEX = re.compile(r"^([zcs])h")


def _loosely(syllable: str) -> str:
    """A syllable as many speakers and their phones hear it: zh/ch/sh as z/c/s, -ng as -n (民警 and 明警)."""
    flat = _RETROFLEX.sub(r"\1", syllable)
    return flat[:-1] if flat.endswith("ng") else flat
