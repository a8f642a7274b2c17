"""Everyday wording the bot reads to follow a conversation: where one need ends and another begins,
"go on", "all of them", "no building number but over there". Patterns over what residents write,
never shown to anyone; kept here, beside the other readers, so the rest of the code holds no Chinese.
"""

from __future__ import annotations

import re

NEED_BOUNDARY = re.compile(
    r"(?:[。！？!?；;，,、\n]+|\s+)?(?:还有就是|还有(?!没)|另外|顺便问一下|顺便|再就是|对了|然后还|(?:登记|办|弄|报)(?:完|好)(?:了)?(?:以后|之后)?)"
    r"|[。！？!?；;，,、\n]+|\s{2,}"
)
"""Where a second need may start in a message: punctuation, a wide gap, 「另外」「还有」「顺便」 (not the 还有 of
「我还有没有份」), 「登记完」 (「…道闸坏了 登记完帮我转个人工」)."""
OPENING_PARTICLES = re.compile(r"^[\s\W_]*(?:[啊呀嗯呃哦噢呢吧嘛]+[\s\W_]*)*")
"""「还有啊我那个高龄补贴…」: the 啊 left at the start of the second need's words, a breath, not a word of it."""

CLAUSE_END = re.compile(r"[。！？!?；;，,、\n]+|\s+")
_ENUMERATING = r"一个是|另一个|再一个|第二|二是|其次"
ANOTHER_PROBLEM = re.compile(
    rf"^.{{0,8}}?(?:也|还有|另外|而且|再就是|再有|还(?!没|是|不|要|得|在|好))|^\W*(?:{_ENUMERATING})")
"""「楼道灯也坏了」「还有停车场角落一堆垃圾」「一个是东门的路灯不亮」: a clause that adds another problem."""
NEW_TOPIC = re.compile(
    rf"^\W*(?:还有个事|还有件事|还有就是|还有|另外|再就是|再有|而且|对了|顺便|{_ENUMERATING})")
"""An explicit turn to another matter, at the start of a clause or a message."""
NOBODY_ACTS = re.compile(
    r"没人管|不管|不来|不理|没人理|没反应|没回应|没用|没人处理|没处理|不处理|打.{0,6}电话|找过|找了|投诉"
    r"|只好|只能|才来找|自己来找"
)
"""「打物业电话也没人管」「我只好自己来找你们」: a clause about nobody acting on the first problem (and so the
resident writing here), not a second problem."""

TOLD_THE_POLICE = re.compile(r"报了?警|报过警|打了?110|派出所|警察")
"""「电瓶车被偷了 报了警也没找回来 …摄像头还歪着」: what happened and was taken to the police is the story behind the
problem the office is asked to fix, not a problem of its own."""

TRIED_AND_FAILED = re.compile(
    r"试了|弄不来|弄不了|弄不明白|弄不好|搞不定|搞不来|搞不明白|不通过|过不去|不会弄|办不成|办不下来|没办成|没弄成|识别不了")
"""「手机上刷脸试了十几次 老人自己弄不来」: the resident has tried the way a guide tells and it failed; what the guide
says they know already, what they ask is help."""

HEARSAY = re.compile(r"新闻|听说|报道|据说|外地|网上说|视频里")
"""「看新闻电动车在电梯里爆炸了」: a story told as the reason for a complaint, not a problem of its own."""

CORRECTING = re.compile(r"^\W*(?:(?:哎呀|哎哟|哎|唉|啊呀|呀|哦|噢|嗯|呃|sorry)\W*)?"
                        r"(?:不对|不是|错了|说错了|打错了|写错了|搞错了|弄错了|哦不|更正|改一下|应该是)", re.IGNORECASE)
"""「不对 是91栋」「哎呀说错了 不是3栋 是13栋」 right after a report is filed: the resident corrects where it is."""

CANCELLING = re.compile(r"^\W*(?:算了|不用了?|不要了?|不办了|不开了|不约了|不报了|不登记了|取消|不需要了?|先不|不弄了"
                        r"|不搞了|没事了|不了|不想办了)")
"""「算了」「不办了」: what cancels a form. A 「不是」 inside an answer (「刚才不是说了嘛」) does not."""
BARE_NO = re.compile(r"^\W*(?:不|不要|不用|否|别|没|no)了?\W*$", re.IGNORECASE)
"""A bare no (「不」「不要了」) also cancels; 「不知道」 does not."""


GOES_AHEAD = re.compile(r"^\W*(?:确认|确定|提交|确认提交|确认预约|就这样|就这样吧|没问题|可以了|行了|好了)\W*$")
"""「确认」 typed where an optional question is asked: the resident takes what the form holds as it is."""
LEAVES_NONE = re.compile(
    r"^\W*(?:不留|不想留|不方便留?|没有?(?:电话|手机|号码)?|不用留?|不用|不要|跳过|先不留|别留)(?:了|吧|啦)?\W*$")
"""「不留」「没有手机」 where an optional question is asked: the answer is "none", not a cancelled form."""


GIVES_UP_A_BOOKING = re.compile(r"取消|不去|去不了|来不了|不来了|退掉|退了|不约|不要|不用|算了|撤|改|换")
"""Words that give a booking up or move it, anywhere in the message; without them 「我约了几个」 only asks."""

CANCELS_A_BOOKING = re.compile(r"^\W*(?:那就|那么|那|还是|帮我|给我)?\W*(?:取消|不约了|不去了|退掉|退了)")
"""「那就取消吧」「还是不约了」 where a booking's cancelling is offered; not 「不用了 谢谢」 or 「算了」, which end a
conversation as often as they give anything up."""

STOPS_A_NOTICE = re.compile(
    r"不要了|不用了|别发|不用发|不想收|不收了|不看了|取消|退订|退掉|不订了|^\W*(?:我|俺)?不要|不要\W*$")
"""「停水的不要了」「不要防诈骗的 太多了」: a notice topic given up, said with its name."""
ADDS_A_NOTICE = re.compile(r"^\W*(?:还有|再加|另外|加上)|也要|也订|也发|也给我")
"""「还有防诈骗的」「治安的也要」: one more notice topic, said with its name."""
STOPS_NOTICES = re.compile(r"^\W*(?:那就|那么|那|还是|帮我|给我)?\W*(?:不要了?\W*)?(?:都|全部|全都|统统)?\W*"
                           r"(?:取消|退订|退掉|别发|不订|不收)")
"""「不要了 都取消吧」 where the notices subscribed were just listed with more offered; not 「不要了」 alone, which as
often declines the offer of more."""


def cancels(text: str) -> bool:
    stripped = text.strip()
    return CANCELLING.match(stripped) is not None or BARE_NO.match(stripped) is not None


def without_new_topic(text: str) -> str:
    """「还有个事 那个滑梯…」 -> 「那个滑梯…」: the matter itself, for reading its need."""
    return NEW_TOPIC.sub("", text, count=1).strip() or text


def corrected_part(text: str) -> str:
    """「不对 是我自己的 我爸的上回办过了」 -> 「是我自己的」: what a correction says, before the resident goes on."""
    stripped = rest = text.strip()
    while (found := CORRECTING.match(rest)) is not None:
        rest = rest[found.end():].lstrip(" ，,。、；;！!")
    if rest == stripped:
        return stripped
    return CLAUSE_END.split(rest)[0] if rest else stripped


EARLIER_REPORT = re.compile(
    r"我(反映|报|说|投诉|登记)过?的|(反映|报|投诉|登记)过|上次|之前|以前(反映|报)|那个单子|编号")
"""「我反映的电梯问题怎么样了」「我前几天反映过的那件事」: asking after a report made before, not making one."""

ASKS_AFTER_A_MATTER = re.compile(
    r"(?:我|俺|咱)[^，。,\s]{0,4}那(?:个|件)|那件事|那个事|进度|进展|到哪一步|办到哪|"
    r"的事(?:情|儿)?(?:怎么样|咋样|如何|有没有)")
"""「我那个吵的事怎么样了」「帮我查一下我刚才那个的进度」: asking after a matter the resident already has, however its
words are filed."""

MENTIONS_A_REPORT = re.compile(r"反映|报修|投诉|登记|报的|报了")
"""「我上周反映的楼道熏黑的事 处理到哪一步了」: about a report, whatever else the words share with a guide."""

PAUSES = re.compile(r"^\W*(?=\w)(?:(?:稍等|等一?下|等等|等会儿?|你等着|马上)[\W哈啊吧呀哦]*)?"
                    r"(?:我(?:去|先)?(?:找|拿|翻|查|看)一?下(?:身份证|证件|户口本|号码|电话|卡)?)?[\W哈啊吧呀哦]*$")
"""「稍等 我找下身份证」 inside a form, and nothing more: the resident is getting the answer, not asking for a person or
for another need."""

ASKS_ASIDE = re.compile(r"(?:先|再|顺便|另外)问(?:个事|件事|一下|下|一句|个问题)?|问(?:个事|件事|一句)")
"""「等下 先问个事 电动车能推进楼道里充电吗」 inside a form: a question put in before the form goes on."""

LANDMARK_OF = re.compile(r"\W*(?:的)?(?:后面|后边|旁边|边上|对面|前面|前边|附近|隔壁|背后)")
"""Right after a place's name: the place only locates another one (「服务中心后面那个车棚」)."""
LOOSE_WORDS = re.compile(r"的|那条|这条|那段|这段|那片|这片|那个|这个")
"""Left out of a place's names and the words when neither matches as written: 「沿东墙那条路」 is 「沿东墙的路」,
「放电瓶车的那个棚子」 is 「电瓶车的棚子」."""

GO_ON = re.compile(r"继续|接着|接下来|刚才(那|的)|回到")
"""「好的那继续吧」: back to what was put aside."""

SAYING_WHO_AND_WHERE = re.compile(r"(?:[\W_吧的啊呀哈是我在住那边这边里小区社区呢了哦嗯家]|租的?房子?)+")
"""What is left of 「我是白杨小区的」「清水社区吧 我租的房子在那边」 once these go: the community's name, if that is
all it says."""

GOING_ON_ONLY = re.compile(r"^[\W好的那吧嗯啊哦行呢哈呀了]*$")
"""What is left of 「好的那继续吧」 once the words that go on are taken out: nothing that answers a form."""

STOOD_CLEAR = re.compile(r"没(?:有)?(?:转|汇|付|给钱|打钱|上当|理他|搭理|信)|(?:我|就|直接|马上|已经)挂(?:了|掉|断)")
"""「没转 我挂了」「没上当」 after the numbers to call about a fraud call: nothing lost, the call ended."""
GOES_IN_PERSON = re.compile(r"(?:去|到|上)(?:社区|居委会?|窗口|服务中心|便民服务|你们那)(?:儿|里|边)?(?:去)?"
                            r"(?:办|开|弄)|当面(?:办|开)|(?:自己|直接|亲自)(?:过去|去一趟|跑一趟)")
"""「要不先约个时间去社区办吧」「我直接过去一趟」: the matter done at the office in person instead of here."""
ASKS_TO_BOOK = re.compile(r"约|排(个|一下)?(时间|号)|挂(个)?号|定(个)?时间|上门")
"""「能约个法律咨询吗」「上门来办」: a time with the office asked for, not only its help."""

PLACING = re.compile(r"^\W*(?:就是|就|是|它|那个)?在")
"""「就在老年食堂后面那条小路中间」: a message that starts by saying where."""

OWN_HOME = re.compile(r"(?:我|俺|咱)(?:们)?家|我住|俺住")
"""「我家是402」「我住402」: the resident's own flat."""
LIVES_AT = re.compile(r"(?:住|住在|家在|家住|我是|俺是)\s*$")
"""「我家住19栋，…幼儿园门口…」: the words before a building that make it the resident's home, not where the
problem is."""

LOCATING = re.compile(r"旁|附近|门口|路|边|后面|后头|前面|前头|对面|对过|里面|里头|楼下|楼上|角|外面|外头|中间"
                      r"|那儿|那里|那排|那块|那片|入口|出口|墙|隔壁|底下|空地|院|场|坝|棚|亭|池|河|湖|桥|站|口|挨着|靠着|靠近"
                      r"|整个(?:小区|社区|院子?|楼)|全小区|全社区|所有的?楼|家家户户")
"""Words that place something (旁边, 后头, 那块空地, 整个小区): an answer with one describes where."""
BARE_NUMBER = re.compile(
    r"^[\s，,。:：就是在住我俺咱们家那这栋幢楼的嘛呀啊哦噻哈]*([0-9]{1,3}|[零〇幺一二三四五六七八九十百]{1,4})"
    r"[\s。！!]*(?:噻|嘛|呀|啊|哈|哦|呢|的|吧|咯|撒|哟|号|栋)?[\s。！!]*$")
"""「12」「十二」「就我们那栋 71」: a number alone, answering "which building?"."""

WISH_TO_REPORT = re.compile(
    r"^(?:我|俺)?(?:要|想|想要)?(?:匿名)?(?:举报|报告|反映|提供)(?:个|一个|一条|条|一下)?(?:线索|情况)?"
)
"""「匿名举报」 before the clue itself."""

EVERYTHING = re.compile(r"全部|所有|全都|统统|一律|都(不要|不用|退|取消|别)|一个(也|都)不")
"""「全部退订」「都不要了」."""

CHOICE_LEADS = "给为帮替"
"""「帮我爸开」「给我本人开」: an option said after one of these is a choice even when not asked for."""
OWNER_LEADS = "我俺咱"
"""「我儿子要办」: someone of the resident's own, named after one of these."""

ASKS_SOMEONE_TO_ACT = re.compile(
    r"帮(我|俺|咱|忙|着|一下|个忙)|(能不能|能否|可不可以|可以)(帮|给|让|派|找(个|人))|麻烦|请(你们|社区)|想申请|要申请|申请(一下|点)|找个"
    r"|让社区|社区(的人|能不能|可以)|给(我|俺)(办|弄|处理|登记|反映|联系)(?!的)|登记(一?下)|反映(一?下)")
"""「能帮俺找个律师不」「想申请点救助」: the resident asks the office to do something, not only to be told."""

THANKS = re.compile(r"谢|点个?赞|表扬|满意|辛苦了|多亏")
DONE = re.compile(r"(找|送|接|领)回(来|家|去)|(找|修|弄|处理|解决|办|抽|清|通|搞|收拾|换)"
                  r"(到|着|好|完|掉|干净|通|妥|上)了|已经(修|处理|解决|弄|办|换|清)")
NOT_DONE_YET = re.compile(r"又|还是|还没|没修|没好|不行")
HELPED = re.compile(r"帮着")


PRAISING = re.compile(r"^\W*(?:我|俺|咱)?(?:要|想|得|必须)?(?:好好)?表扬|记(?:一|个)?功|送(?:个|一面)?锦旗|感谢信")
"""「我要表扬一下我们片的网格员小刘！」「你们给她记一功」: praise said outright."""


def praises_what_was_done(text: str) -> bool:
    """「孩子在广场上走丢了 保安帮着找回来了 特地来说声谢谢你们」: thanks for what was done, ending on the thanks,
    or praise said outright (「我要表扬一下网格员小刘 上个月帮忙叫车送医院」); not a problem to file, even though it
    tells one."""
    if NOT_DONE_YET.search(text) is not None:
        return False
    if PRAISING.search(text) is not None:
        return True
    clauses = [clause for clause in CLAUSE_END.split(text) if clause]
    return bool(clauses) and THANKS.search(clauses[-1]) is not None and DONE.search(text) is not None \
        and ASKS_SOMEONE_TO_ACT.search(HELPED.sub("", text)) is None


FAMILY_HELPS = re.compile(
    r"(叫|让|找|喊|等)(我|俺)?(家)?(的)?(孙子|孙女|外孙女?|儿子|女儿|闺女|孩子|娃|儿媳|女婿|老伴|家里人|邻居|亲戚)"
    r"(来|回来|过来)?(帮|给)")
"""「晓得了我叫孙子帮我弄」: someone of the resident's own will help, not the office."""

SENDS_SOMEONE = re.compile(
    r"(找|寻|派|叫|喊|请|让)(个|一个|几个)?(社区|你们|居委会|街道)?的?(人|师傅|工作人员)(来|过来|去|上门)?(我家|家里)?"
    r"(看|修|处理|弄|查|瞧|说和|调解|劝|评理|协调|管)")
"""「侬帮帮忙寻个人来看看」「能不能让社区的人来我家看看」: someone sent to the matter just told, not a person to talk
to."""

OUTDOOR_SPOT = re.compile(
    r"[东西南北][北南]?角|角落|空地|小路|小道|路边|路口|路上|岔路|拐角|围墙|墙根|绿化带|草坪|草地|花坛|变电箱|配电箱|商铺|门面"
    r"|马路|人行道|河边|水塘|池塘|篮球场|足球场|停车场|公交站")
"""A spot outdoors that a resident describes instead of naming (「小区西北角变电箱旁边的空地」)."""

INDOORS = re.compile(r"楼道|楼梯|电梯|家里|我家|屋里|楼上|楼下|单元|天花板|卫生间|厨房|地下室|顶楼|住户|那户|邻居|对门"
                     r"|我们楼|咱们楼|楼里")
"""Words that put a problem inside a building: it needs the building's number, not a described spot."""

CHANGED_TO = re.compile(r"改成|改到|改为|改在|换成|换到|换个|挪到|调到|推到|推迟到|提前到|还是|不对|要不")
"""「周三要上班 改成周六上午十点吧」: the time after it replaces the one before."""

NAMES_A_NUMBER = re.compile(r"身份证|证件|号码|电话|手机|座机|号")
"""Words that name a number a form asks for (an ID number, a phone)."""
ABOUT_A_NUMBER = re.compile(NAMES_A_NUMBER.pattern + r"|不知道|忘了|记不|找不到|没带|没有|不记得"
                            r"|查一下|稍等|等会|等一下|？|\?|吗|呢")
"""Words about the number the form asked for (or a question), not an answer to another of its questions."""

ANNOUNCES_PROBLEMS = re.compile(r"^\W*.{0,6}?(?:[两二三几俩]|好几)(?:个|件|条|处)?(?:事|问题|情况|地方)\W*$")
"""「我要反映两个事」: a clause that announces the problems to come and tells none of them."""

SAYS_WHAT_FOR = re.compile(r"用|要|办|交|给|申请|手续|报名|上学|入学|读书|贷款|工作|单位|学校|银行|领|认证|继承|落户"
                           r"|减免|报销|学费"
                           r"|租房|买房|补贴|补助|救助|退休|养老|医保|社保|签证|出国|公证|结婚|考试|入职|评|审")
"""Words that say what something is for (「办退休金继承手续」「领残疾人补贴」), not a place or a name."""

SPOT_LEADS = "在往到从"
"""Words that lead to where something happened (「有人往围墙外头那块空地上倒垃圾」)."""
SPOT_TAIL = re.compile(r"(?:旁边|边上|附近|后面|前面|对面|那儿|那边|上|里)?")

HARM_DONE = re.compile(r"踩空|摔|绊|磕|碰伤|崴|滑倒|吓(了|得|到)|差点|怎么|咋|如何|让不让|叫人"
                       r"|把.{0,8}(抓|咬|弄|刮|撕|踩|压|啃)(烂|坏|破|脏|花|伤)")
"""「上周还踩空了一脚」「今天晚上还怎么跳舞」「还把电动车座套抓烂了」: what the problem did or does to people or
their things, told as its weight,
not another problem."""

FORM_CHATTER = (
    "我想约个时间", "约一下", "想约一下", "帮我约", "预约", "我要预约", "我想开个证明", "开个证明", "我要开证明",
    "开证明",
    "有点事", "有点事想当面说", "想问问", "想办点事", "办个事", "我自己", "本人", "给我自己", "给我妈开", "给我爸办",
    "帮家里人办", "替老人办", "孩子的", "我老伴的", "单位要", "上学用", "办手续用", "银行要", "贷款用", "下周三上午",
    "明天下午", "礼拜五", "周四早上", "下午三点", "好的", "可以", "行", "嗯", "对", "谢谢", "你好", "在吗", "不知道",
    "电话多少", "身份证", "手机号", "确认", "取消", "算了", "我不会弄", "怎么弄",
)
"""What residents say inside a form that describes no certificate or service: a learned match is trained
against it, so 「我自己」 or 「我想约个时间」 is not read as one."""

WANTS_TO_TALK = re.compile(
    r"(找|让|派|请|要)(个|一个)?(人|工作人员|同志|领导|书记)?.{0,4}(跟|和|同)我(说|聊|讲|谈|沟通|解释)|聊聊|谈谈"
    r"|当面(说|谈|聊)|打(个)?电话(给|跟)我|给(我|俺)打(个)?电话|真人|人工|找(你们)?(的)?(书记|领导|主任)|给(我|俺)回(个)?电话|(几|两|一两)句(话)?说不(明白|清楚|清)"
    r"|(找|要|请)(个|一个)?(工作人员|专人)(问问|问一下|咨询一下)|打字(说|讲)不(清|明白)|直接(找|要)(个|一个)?(工作人员|真人)")
"""「一两句话说不明白 能不能找个工作人员跟我说」「说不清楚 能找个工作人员问问吗」: a person to talk to, not an office
to act."""

GIVES_A_NAME = re.compile(r"^\s*(?:(?:他|她|我|俺|孩子|小孩|老人)的?(?:叫|姓|名字(?:叫|是)?|姓名(?:叫|是)?)"
                          r"|(?:名字|姓名)(?:叫|是)?)[\u4e00-\u9fff·]{1,4}[\s。.！!，,]*$")
"""「他叫王小明」 inside a form: whose the certificate is, not a request for 「小李」 (「叫小李接一下」)."""

OPENING_GREETING = re.compile(
    r"^(?:[\W_]*(?:喂+|你好+|您好|哈喽|hello|hi|嗨|在吗|在不在|有人吗|有人在吗|早上好|下午好|晚上好|打扰了?|打扰一下"
    r"|(?:是|这是|这里是)?(?:居委会|社区|网格员)(?:吗|吧|啊|呀|嘛)?|小助手)[\s\W_吗吧呀啊啦哈嘛]*)+",
    re.IGNORECASE)
"""「喂喂是居委会吧 我是十二栋的老王 那个电梯又坏了…」: a greeting the message opens with, before what it is about."""
AGREES_WITH_THANKS = re.compile(r"^[\W_]*(?:好的?|好嘞|行|可以|嗯+|对|是的?|没问题|ok)[\W_啊呀吧哈嗯的了]*"
                                r"(?:谢谢|多谢|感谢|辛苦|麻烦)", re.IGNORECASE)
"""「好的谢谢」 to 「确认预约吗？」: a yes with thanks, which the classifier hears as a goodbye."""
COURTESY_ONLY = re.compile(r"^[\W_]*(?:(?:好的?|好嘞|行|可以|嗯+|哦+|噢|对|是的?|没问题|ok|谢谢|多谢|感谢|辛苦|麻烦"
                           r"|不客气)(?:你们|您|你)?[\W_啊呀吧哈嗯的了啦哦]*)+$", re.IGNORECASE)
"""「谢谢」「好的」「嗯嗯 谢谢您」: courtesy alone, which answers no open question (where? what?)."""
THANKS_ONLY = re.compile(r"^[\W_]*(?:谢谢|多谢|感谢|辛苦)(?:你们|您|你)?(?:了|啊|哈|哦|呀|啦)*[\W_]*$")
"""「谢谢」 alone: no yes, no no."""
OPENING_THANKS = re.compile(r"^[\W_]*(?:谢谢|多谢|感谢|辛苦)(?:你们|您|你)?(?:了|啊|哈|哦|呀|啦)*[\s\W_]*")
"""「谢谢啊 什么时候能弄好」: thanks the message opens with, before what it asks."""
OPENING_ASIDE = re.compile(r"^[\W_]*(?:(?:哦|噢|哎|诶|欸)[\W_]*)?(?:对了|另外|顺便|还有(?:个|件|一个|一件)事)[\s\W_]*")
"""「对了 停水通知能发给我吗」: a turn to something else the message opens with, before what it is about."""
MIN_CHARS_AFTER_GREETING = 4


def without_greeting(text: str, opening: re.Pattern[str] = OPENING_GREETING) -> str | None:
    """The words after a greeting (or the `opening` given) the message opens with, or None when it opens with none or
    says little more."""
    found = opening.match(text)
    if found is None or found.end() == 0:
        return None
    rest = text[found.end():]
    return rest if sum(ch.isalnum() for ch in rest) >= MIN_CHARS_AFTER_GREETING else None


ASKING = re.compile(
    r"吗|伐|[？?]|什么|怎么|咋|哪|多少|多长|多久|多大|几[个岁天月年号点]|能不能|可不可以|要不要|行不行|成不成|中不中|可以不|算不算|够不够|是否|是不是|请问|想问|问问|如何|啥")
"""A clause that asks: 「…我想问问申请低保要什么条件」 after a story of how the resident got here."""

GOES_ON = re.compile(r"^[\W_]*(?:那(?![个边里儿些])|那么|这样的话|照这么说)")
"""「那我能申请吗 我一个月退休金两千」: a question that goes on from the answer just given, about its subject."""

ALSO_ASKS = re.compile(r"也(?:能|可以|行|要|得|算|有)|还(?:能|可以)")
"""「我们户口不在这里 在老家 也能领吗」 after the 高龄津贴 guide: a question about the same thing, for another case."""

CHASES_UP = re.compile(r"管不管|管没管|有没有人管|还管不|(?:到底|究竟)(?:管|理)不")
"""「你们管不管啊」 right after a report was filed: asking whether it will be dealt with, not a second report."""

JUST_ASKING = re.compile(r"(就|只|只是|就是)想(先)?(问问|问一下|问下|了解|咨询|打听)")
"""「吵了好几回了，我就想先了解一下，人民调解是怎么个流程？」: the story is why they ask; they ask, and only ask."""

ASKS_FOR_A_DOCUMENT = re.compile(r"开(个|张|一个|一张)?|办(个|张|一个|一张)|出具|要(个|张|一个|一张)|弄(个|张)")
"""「要个户口方面的证明」「社区能开吧」: a document asked for, not only asked about."""

A_CERTIFICATE_NAMED = re.compile(
    r"(?:开|办|要|弄|出具)一?[个张份]?(?P<name>[^\W\d_个张份一证开办要弄出][^\W\d_]{0,5}?证明)")
"""「我要开个无业证明」「想开个收入证明」: a certificate asked for by its name, whether the catalogue has it or not."""

DESCRIBES_A_CERTIFICATE = re.compile(r"的|那|这|个|社区|居委|街道|单位|盖章|开|要|相关|有关|什么|啥|情况|方面")
"""Words in 「…证明」 that describe a certificate rather than name one (「社区盖章的证明」「要社区证明」
「户口情况证明」)."""

ASKS_TO_DELIVER = re.compile(r"送(?:到|回|过来|来|上)?(?:家|门|楼|屋)|送过来|上门送|(?:给|帮)(?:我|俺)?送")
"""「能送到家吗 俺腿脚不好」「能不能给送过来」: a document asked to be brought to the door."""

DELIVERS_SOMETHING_ELSE = re.compile(r"餐|饭|菜|药|水|气|快递|外卖|米|油|煤|服务")
"""「能送餐上门吗」「上门服务」: what is asked to come to the door is not a document."""

SOMEONE_ELSE_COLLECTS = re.compile(
    r"代领|代拿|代取|(?:让|叫|请|找)(?:我|俺)?家?的?(?:儿子|女儿|闺女|儿媳|女婿|老伴|爱人|孙子|孙女|家里人|家人|亲戚|邻居|别人|孩子)"
    r"(?:去|来|过来|帮我|帮俺|替我|替俺|帮忙)*(?:拿|领|取)")
"""「那我让我儿子去拿行不行」: someone else will collect it."""

_A_REPORT = r"(?:单子|工单|反映|报修|投诉|报的|问题|证明|那个事|这个事|那件事|这事|那事)"
WITHDRAWS_A_REPORT = re.compile(
    r"不(?:用|需要)再?(?:来|过来|上门|修|处理|管|办|开)了?|"
    rf"{_A_REPORT}.{{0,8}}(?:撤|取消|不(?:用|要|需要)再?(?:管|处理|办|修|来|弄)|不要了|就算了)|"
    rf"(?:撤|取消|撤销|撤回).{{0,4}}{_A_REPORT}")
"""「这个单子撤了吧」「不用来修了 已经好了」「我报的那个问题不用处理了」: what the resident reported is no longer
needed; not 「问题不大 不用急」 or 「这事不急 算了 等下周吧」, which ask for patience."""

NAMES_A_BOOKING = re.compile(r"预约|约的|约了|约好|挂的号|订阅|通知")
"""「约的那个不用去了」「通知不用发了」: what is given up is a booking or the notices, not a report."""

SAYS_WHEN_HOME = re.compile(r"在家|家里(?:有|没)人|(?:来|上门|过来)(?:修|看|处理|弄)?"
                            r"(?:行不行|行吗|可以吗|成不成|中不中)|别来|晚点来|早点来|几点来|什么时候来")
"""「我下午不在家 明天上午来行不行」: when the resident can let the worker in."""

CERTIFICATE_WORD = "证明"
"""How a certificate's name ends (居住证明, 独生子女证明): the guide on it may name the matter without the word
(《独生子女父母奖励与计划生育家庭扶助》)."""

NOT_AT_HAND = re.compile(r"不记得|记不(?:住|清|得)|忘(?:了|记)|找不(?:到|着)|没带|不在(?:身边|手边|手上)|"
                         r"回头(?:再)?[给发]|晚点(?:再)?[给发]|等(?:会|一会|下|一下)(?:再)?[给发]|去找|找一下|翻一下")
"""A number asked for that the resident does not have at hand (「他身份证号我不记得了 回头给你」「等下我去找」)."""

ABOUT_ONES_PHONE = re.compile(r"我的|我|电话|手机|号码|号|是|联系方式|联系|补上|补一下|留个|留一下|这个|给你|"
                              r"[：:，,。\s]")
"""The words around a phone number left on its own (「我电话13912345678」「手机号是…」)."""

CHANGES_BOOKING = re.compile(r"改到|改成|改在|换到|换成|换个时间|改约|改个时间|改时间|调到|调整到|推到|推迟|往后推|"
                             r"提前到|挪到")
"""A booking asked to move (「我约的法律咨询能改到周四吗」): the new time replaces the old, not a second booking."""

STAYS_NAMELESS = re.compile(r"匿名|保密|(?:不想|不愿意?|不要|别)(?:留|透露|说)(?:名字|姓名|名)|不想让人知道")
"""「不想留名字」: the resident wants to stay unknown, about what they were telling."""

ASKS_DISCRETION = re.compile(
    r"(?:别|不要|不能|莫|千万别|不想)(?:说|讲|告诉|透露|让)[^，。,\s]{0,8}(?:是我|我(?:反映|举报|说|报|投诉)的?)"
    r"|(?:怕|担心|不想让|别让|不要让)[^，。,]{0,6}(?:邻居|楼上|楼下|对门|他们|她们|他家|她家|对方|人家)[^，。,]{0,4}知道"
    r"|保密")
"""「能不能别说是我反映的 怕邻居知道」「帮我保密」: who reported it is to stay unknown to those it is about."""

REPORT_PREAMBLE = re.compile(
    r"你们好|你好|您好|喂|请问|(?:我|俺)?(?:要|想|想要)?(?:匿名)?(?:举报|报告|反映|提供)(?:个|一个|一条|条|一下)?"
    r"(?:事情|事|线索|情况)?|(?:但是|但|不过|可是)?(?:不想|不愿意?|不要|别)(?:留|透露|说|让人知道)(?:名字|姓名|名|我是谁)?|"
    r"匿名|保密|[，,。！!？?\s]")
"""What comes before a clue without being one (「你们好 我想举报个事 但是不想留名字」)."""

AGE_TOLD_ALONE = re.compile(
    r"^\W*(?=.*(?:岁|老伴|老头|老太|老婆|爱人|妈|爸|爹|娘|母亲|父亲|奶奶|爷爷|姥姥|姥爷|外婆|外公|婆婆|公公|岳母|岳父|老人|本人"
    r"|今年|都|已经|满))(?:我|俺|咱)?家?的?(?:老伴儿?|老头子?|老太太?|老婆子?|爱人|妈妈?|爸爸?|老?爹|老?娘|母亲|父亲|奶奶|爷爷"
    r"|姥姥|姥爷|外婆|外公|婆婆|公公|岳母|岳父|老人家?|本人)?\s*[他她]?(?:今年|都|已经|已|也|快|刚|才|满)*"
    r"(?:[一二两三四五六七八九十百]{1,4}|\d{2,3})[多来]?(?:周岁|岁)?[了啦喽哦呢]?[吧呀啊]?\W*$")
"""「我老伴八十三了」「俺今年七十九」: an age told and nothing more, a fact a resident gives after a guide that sets an
age, not a danger (the classifier, with few such messages to learn from, can read one as an emergency)."""

_CANNOT_GO_OUT = r"走不动|腿脚不(?:好|便|方便|利索|行)|行动不便|下不了楼|出不了门|去不了|来不了|卧床|瘫"
CANNOT_GO_OUT = re.compile(_CANNOT_GO_OUT)
"""「俺腿脚不方便 下不了楼」「我腿脚不好 去不了」: the resident cannot come to the office."""
CANNOT_FOLLOW = re.compile(
    r"(?<!会)不会(?:用|弄|操作|上网|打字|刷脸|下载|玩)|(?:用|弄|搞|整)不(?:来|明白|懂)|不识字|看不(?:清|懂)"
    rf"|没有?(?:智能)?手机|老人机|{_CANNOT_GO_OUT}")
"""「我不会用手机」「俺腿脚不方便 下不了楼」: the resident cannot do it the way just told."""
GOES_FOR_SOMEONE = re.compile(r"替|代办|代领|代替|代他|代她|帮(?:他|她|我妈|我爸|老人)(?:去|办|领)")
"""「他腿脚不好 我替他去行不行」: someone else would come in the resident's place."""

_HASTE = r"快(?!递)|救|赶紧|马上|急|疼|痛|血|火|烟"
"""Words of haste or harm: with one of them, 「刚才…」 may well be an emergency."""

SAID_BEFORE = re.compile(
    rf"^(?!.*(?:{_HASTE}))(?:.*[\s，,。.!！;；])?(?:我|俺)?(?:刚才|刚刚|刚|前面|上面|早就|已经|之前)(?:都|也|不是|已经)?(?:说|讲|告诉你|写|发)"
    r"(?:过了?|了)(?:的|啊|呀|吗|嘛|呢|么)*(?=$|[\s，,。.!！?？;；])")
"""「刚才都说过了」「5栋 我刚才说了」: a clause that says the resident told it already, nothing more, in a message
with no word of urgency (the classifier, trained on 「刚才…」 in emergencies, reads 「刚才说了」 as one at 0.99)."""

EVERYDAY_JUST_NOW = re.compile(
    rf"^(?!.*(?:{_HASTE}|味|煤气|燃气|转|钱|卡|验证码|骗|抢|偷|打人|打架|打起来|摔|倒|晕|昏|不见|找不|走丢|动不了|说不出|"
    r"不说话|没反应|呼吸|氧|透析|喘|起不来|困|关着|锁|出不来|被|跳|刀|死|伤|病|报警|警察|公安|110|119|120|爆|炸|塌|冒|漏|淹|掉|流|渗|"
    r"闪|触电|电到|吵|喊|叫|砸|撞|车祸|出事|不对劲|吓|怕|有人|说是|自称|冒充|陌生))"
    r"(?=.*(?:刚才|刚刚|才刚))(?=.*(?:物业|网格员|楼长|社区|居委会|快递|外卖|收费|缴费|交费|停电|停水|来电|来水|通知|开会|来过|"
    r"去过|窗口|排队|没人|关门|下班))")
"""「刚才物业来收费了」「我刚才去社区了 没人」「刚刚停电了 什么时候来电」: an everyday errand or visit that just
happened, with no word of danger, haste or a stranger (the classifier, trained on emergencies told 「刚才…」, reads
these as emergencies at 0.6-0.99)."""

ASKS_WHAT_COMES_OF_IT = re.compile(
    r"(?:会|能|去|来|管|要)(?:不会|不能)?(?:去|来)?(?:查|管|处理|核实|核查|抓|调查)|"
    r"(?:结果|进展|查到|查出|抓到|处理完?了?|查清).{0,8}(?:告诉|通知|说一声|回复|知道)|"
    r"(?:多久|多长时间|什么时候|啥时候|几天).{0,4}(?:有结果|有回音|处理|查|抓|管)|有(?:没有)?用(?:吗|没|不)")
"""「那你们会去查吗」「查到了会告诉我吗」「多久有结果」: what comes of what the resident just told."""

COMPLAINS_OF_MANNER = re.compile(
    r"态度|不耐烦|没耐心|爱答不理|爱搭不理|翻白眼|甩脸子|凶巴巴|被凶|骂人|训了|刁难|托关系|推诿|踢皮球")
"""How someone treated the resident: 「问两句就不耐烦」「被凶了」「让我找人托关系」."""
NAMES_COMMUNITY_STAFF = re.compile(r"窗口|网格员|楼长|片长|社区的人|社区工作人员|社区干部|办事员|你们的人|你们社区")
"""The community's own staff, as residents name them."""
