"""What kind of danger an emergency message tells of, for the advice that goes with the numbers to call: what to
do about a gas leak is not what to do about a fraud call. Rules, not a model: a wrong guess costs one line of
advice, and the numbers come first whatever it is."""

from __future__ import annotations

import re

DANGERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("gas", re.compile(r"煤气|燃气|天然气|液化气|气罐|瓦斯")),
    ("fire", re.compile(r"着火|起火|失火|火灾|冒烟|烧起来|火烧|浓烟")),
    ("fraud", re.compile(r"被骗|骗了|诈骗|骗子|转账|汇款|[转打汇]钱|验证码|安全账户|洗钱|冒充")),
    ("medical", re.compile(r"晕倒|昏倒|倒地|摔倒|不省人事|没(?:了)?呼吸|喘不上气|抽搐|心脏|中风|流血|出血|昏迷|休克")),
)
"""Each kind of danger with the words that tell of it."""
KINDS = tuple(kind for kind, _ in DANGERS)
_DENIED = re.compile(r"(?:不是|没有?|并非)\s*$")


def danger_in(text: str) -> str | None:
    """The kind of danger the words tell of first (「不是煤气味 是楼下着火了」: fire), or None."""
    found = [(match.start(), kind) for kind, words in DANGERS for match in words.finditer(text)
             if not _DENIED.search(text[max(0, match.start() - 3):match.start()])]
    return min(found)[1] if found else None
