"""People's names listed in a text (a 低保 award list: 「张建国、李秀英、王小明」), found by their surname.

A name stands alone between separators: two or three Han characters, the first a common surname (or a
two-character one), none of the characters that make a word rather than a name (社区, 名单, 一月). It is a
hint for staff (the text seems to name people), not a proof: 「高龄」 standing alone is caught by the exclusions,
an unusual surname is missed.
"""

from __future__ import annotations

import re

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "夏侯", "长孙")
NOT_IN_NAMES = frozenset("社区街道名单公示期间号栋楼室户口证补贴障低困申请审核结果况通知件材料办理工作时地点电话联系"
                         "第的了与及或等在是案用施修")
"""Characters of the words a notice is made of; a two- or three-character run holding one is not a name."""
_HAN = "\u4e00-\u9fff"
_NOT_A_NAME = re.compile(r"^周[一二三四五六日末]")
"""周一 … 周日: a weekday, though 周 is a surname."""
_RUN = re.compile(rf"(?<![{_HAN}])[{_HAN}]{{2,4}}(?![{_HAN}])")


def listed_names(text: str) -> list[str]:
    """The names that stand alone in `text`, in order, each once."""
    found: list[str] = []
    for match in _RUN.finditer(text):
        run = match.group()
        if _is_name(run) and run not in found:
            found.append(run)
    return found


def _is_name(run: str) -> bool:
    if any(ch in NOT_IN_NAMES for ch in run) or _NOT_A_NAME.match(run):
        return False
    if run[:2] in COMPOUND_SURNAMES:
        return len(run) in (3, 4)
    return len(run) in (2, 3) and run[0] in SURNAMES


_GIVEN_NAME = re.compile(rf"(?:我叫|我是|姓名|名字|叫)?[:：\s]*(?P<name>[{_HAN}]{{2,4}})")
_FILLERS = re.compile(r"我的|电话|手机号?|号码|联系方式|是|吧|哦|啊|呢|，|,|。|\s")


def name_given(text: str) -> str | None:
    """The name a resident gives beside their phone (「王秀兰 13812345678」, 「我叫王秀兰」); None when there is none.
    The phone is taken out by the caller."""
    rest = _FILLERS.sub(" ", text).strip()
    match = _GIVEN_NAME.search(rest)
    if match is None:
        return None
    name = match.group("name")
    return name if _is_name(name[:3]) or (name[:2] in COMPOUND_SURNAMES and _is_name(name)) else None
