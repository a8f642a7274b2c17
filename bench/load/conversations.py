"""What the simulated residents say: conversations from the intent inventory (PRODUCT.md §3), worded as
in the NLU data, with the share of conversations each kind takes.

A turn carries the words a reply must contain when the bot understood it as the demo profile does
(`expect`); a reply without them is counted as unexpected, not as an error (two residents may race
for the last place in a slot, say). Kinds that end in a ticket say so, for the fault run's count.
Everything is drawn from one seeded RNG, so a run can be repeated.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

COMMUNITY_BUILDINGS = 103
"""白杨社区 (the community the bench's official account serves) has buildings 1-103."""
TICKET_MARK = "编号 GD"


@dataclass(frozen=True)
class Turn:
    text: str
    expect: str | None = None


@dataclass(frozen=True)
class Conversation:
    kind: str
    turns: tuple[Turn, ...]
    tickets: int = 0
    """Tickets the conversation opens when every turn is understood as expected."""


REPORTS_WITHOUT_ADDRESS = ("楼上漏水把我家天花板泡了", "垃圾桶好几天没人清理，臭得不行", "楼下小卖部晚上音响开得特别大",
                           "电梯坏了三天了没人修", "物业乱收停车费", "有人在绿化带里私搭乱建", "下水道堵了",
                           "楼道灯坏了好几天，晚上看不见路", "楼上天天半夜装修，吵得睡不着")
REPORTS_WITH_ADDRESS = ("{b}栋{u}单元楼道里的下水道堵了，臭了好几天", "{b}栋{u}单元楼道里堆满了杂物，消防通道都堵了",
                        "{b}栋{u}单元门口的路灯坏了，晚上黑漆漆的", "{b}栋{u}单元楼上每天半夜拖椅子，吵得睡不着",
                        "{b}栋楼下有人在楼道里给电动车充电", "楼下有人天天在楼道里给电动车充电，太危险了，{b}栋")
POLICY_SUBJECTS = ("低保", "居住证明", "独生子女证明", "老年优待证", "公租房", "残疾证", "居民医保", "养老金资格认证",
                   "法律援助", "高龄津贴", "临时救助", "居住证", "无犯罪记录证明", "家庭医生签约", "创业担保贷款",
                   "特困供养", "出生登记", "户口迁移")
POLICY_ASKS = ("申请需要什么条件", "要带什么材料", "怎么办理", "在哪里办", "办下来要多久", "需要本人去吗", "有什么要求")
POLICY_OPENINGS = ("", "你好，", "请问", "麻烦问一下，", "我想问问", "问一下")
"""A policy question is one of 756 wordings: residents rarely send the same words twice, and a question the sentence
embedding has not seen costs about 20 ms of CPU (`nlu.policy_embeddings.embed_question` keeps the last 256)."""
SAFETY_QUESTIONS = (("怎么防范电信诈骗", "电信诈骗"), ("电动车充电要注意什么", "安全提醒"),
                    ("家里老人一个人住要注意什么", "安全提醒"))
TOPICS = ("治安预报", "防诈骗", "停水停电", "社区公告")
PURPOSES = ("孩子上学要用", "单位要求", "办理社保用", "租房备案用")
ENDINGS = (Turn("好的谢谢", "感谢"), Turn("今天天气怎么样", "帮不上忙"))


@dataclass(frozen=True)
class ResidentFacts:
    """What one resident answers with: where they live, their phone and ID number."""

    building: int
    unit: int
    phone: str
    id_number: str

    @property
    def address(self) -> str:
        return f"{self.building}栋{self.unit}单元"


def id_number(rng: random.Random) -> str:
    """An 18-digit ID number whose check digit is right (GB 11643), born 1940-1999."""
    body = f"110101{rng.randint(1940, 1999)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def resident_facts(rng: random.Random) -> ResidentFacts:
    return ResidentFacts(rng.randint(1, COMMUNITY_BUILDINGS), rng.randint(1, 4), f"139{rng.randint(0, 99_999_999):08d}",
                         id_number(rng))


def _report_with_address(rng: random.Random, r: ResidentFacts) -> Conversation:
    text = rng.choice(REPORTS_WITH_ADDRESS).format(b=r.building, u=r.unit)
    return Conversation("report_with_address", (Turn(text, TICKET_MARK),), tickets=1)


def _report_then_building(rng: random.Random, r: ResidentFacts) -> Conversation:
    return Conversation("report_then_building", (Turn(rng.choice(REPORTS_WITHOUT_ADDRESS), "几栋几单元"),
                                                 Turn(r.address, TICKET_MARK)), tickets=1)


def _menu_report(rng: random.Random, r: ResidentFacts) -> Conversation:
    return Conversation("greet_menu_report", (Turn(rng.choice(("你好", "在吗", "你好，在吗")), "社区服务助手"),
                                              Turn("1", "遇到了什么问题"),
                                              Turn(rng.choice(REPORTS_WITHOUT_ADDRESS), "几栋几单元"),
                                              Turn(r.address, TICKET_MARK)), tickets=1)


def policy_question(rng: random.Random) -> str:
    return f"{rng.choice(POLICY_OPENINGS)}{rng.choice(POLICY_SUBJECTS)}{rng.choice(POLICY_ASKS)}"


def _policy(rng: random.Random, r: ResidentFacts) -> Conversation:
    return Conversation("policy_question", (Turn(policy_question(rng), "【"),))


def _certificate(rng: random.Random, r: ResidentFacts) -> Conversation:
    return Conversation("certificate", (Turn("帮我开个居住证明", "给谁开"), Turn("1", "身份证号"),
                                        Turn(r.id_number, "做什么用"), Turn(rng.choice(PURPOSES), "联系电话"),
                                        Turn(r.phone, "请核对"), Turn("1", TICKET_MARK)), tickets=1)


def _booking(rng: random.Random, r: ResidentFacts) -> Conversation:
    service = rng.choice(("社保业务", "社保医保业务", "体检"))
    return Conversation("booking", (Turn(f"帮我约{service}，电话{r.phone}", "空闲时间"),
                                    Turn(str(rng.randint(1, 3)), "请核对"), Turn("1", "预约成功")))


def _subscribe(rng: random.Random, r: ResidentFacts) -> Conversation:
    if rng.random() < 0.5:
        return Conversation("subscribe", (Turn(f"订阅{rng.choice(TOPICS)}", "订阅"),))
    return Conversation("subscribe_menu", (Turn("我要订阅通知", "请选择"), Turn(str(rng.randint(1, 4)), "订阅")))


def _safety(rng: random.Random, r: ResidentFacts) -> Conversation:
    if rng.random() < 0.5:
        text, expect = rng.choice(SAFETY_QUESTIONS)
        return Conversation("safety_tip", (Turn(text, expect),))
    return Conversation("safety_tip_menu", (Turn("我想学点安全知识", "请选择"),
                                            Turn(str(rng.randint(1, 7)), "安全提醒")))


def _clarify(rng: random.Random, r: ResidentFacts) -> Conversation:
    return Conversation("clarify", (Turn("那个啥来着 就是盖章的那个", "没太明白"), Turn("4", "【"),
                                    Turn(policy_question(rng), "【")))


def _status(rng: random.Random, r: ResidentFacts) -> Conversation:
    return Conversation("request_status", (Turn("我反映的问题处理得怎么样了"),))


def _ending(rng: random.Random, r: ResidentFacts) -> Conversation:
    return Conversation("goodbye_or_out_of_scope", (rng.choice(ENDINGS),))


Maker = Callable[[random.Random, ResidentFacts], Conversation]
MIX: tuple[tuple[Maker, int], ...] = (
    (_report_with_address, 15), (_report_then_building, 12), (_menu_report, 8), (_policy, 18), (_certificate, 6),
    (_booking, 5), (_subscribe, 8), (_safety, 11), (_clarify, 5), (_status, 5), (_ending, 7))
"""Each kind with its share of conversations (in %); about 2.3 messages a conversation."""


TICKET_KINDS = frozenset({"report_with_address", "report_then_building", "greet_menu_report", "certificate"})
"""The kinds whose conversation ends in a ticket (each opens exactly one)."""


def next_conversation(rng: random.Random, resident: ResidentFacts) -> Conversation:
    maker: Maker = rng.choices([m for m, _ in MIX], [w for _, w in MIX])[0]
    return maker(rng, resident)
