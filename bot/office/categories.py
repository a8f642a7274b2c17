"""Filing a report under a category: learned from the profile's examples, keywords as hints.

A profile without examples (a new district's first draft) falls back to keyword counts. A guess below
`CONFIDENT` is not trusted: the report is filed under the general category and goes to a person who
re-files it (`bot.office.routing`), which costs a minute; a wrong category sends it to the wrong office.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.office.places import find_place
from nlu.address import stated_address
from nlu.categories import CategoryClassifier, category_classifier, category_spec
from nlu.features import with_heard_keywords
from nlu.phrasing import (
    ANNOUNCES_PROBLEMS,
    ANOTHER_PROBLEM,
    ASKS_SOMEONE_TO_ACT,
    CLAUSE_END,
    FAMILY_HELPS,
    HARM_DONE,
    HEARSAY,
    NEW_TOPIC,
    NOBODY_ACTS,
    TOLD_THE_POLICE,
)
from storage.profile import Profile
from storage.profile.schema import Category

CONFIDENT = 0.2
"""The least confidence a learned category is filed under without a person checking it (tuned on the
dev conversations, `bench/conversations/dev.yaml`)."""


SECOND_PROBLEM_CONFIDENCE = 0.5
"""How sure the classifier must be of each half before a description is filed as two problems: 「我是租房的
不是本地户口 也能报修吗」 is who is asking, not a problem of its own."""
ONE_PROBLEM_CONFIDENCE = 0.95
"""A description the classifier reads as one category this surely is one problem told at length
(「对门老往我家门口堆垃圾 说了还骂人 想请社区来调解」 is a dispute), unless a clause turns to another matter
outright (「还有」「另外」)."""


@dataclass(frozen=True)
class Filing:
    category: Category
    confident: bool
    words: str = ""
    """The resident's words this filing is about (for a report of two problems, its own half)."""


def file_report(profile: Profile, description: str) -> Filing:
    categories = profile.categories
    classifier = _classifier(profile)
    general = categories[profile.GENERAL_CATEGORY]
    if classifier is None:
        best = max(categories.values(), key=lambda c: _keyword_hits(c, description))
        return Filing(best if _keyword_hits(best, description) else general, True, description)
    guess = classifier.classify(_with_heard_keywords(profile, description))
    if guess.confidence < CONFIDENT:
        return Filing(general, False, description)
    return Filing(categories[guess.key], True, description)


def _with_heard_keywords(profile: Profile, description: str) -> str:
    """The description with the category keywords it holds only as heard (「店题又坏了」 holds 电梯)."""
    keywords = tuple(sorted({keyword for category in profile.categories.values() for keyword in category.keywords}))
    return with_heard_keywords(keywords, description)


def prepare_filing(profile: Profile) -> None:
    """Train the profile's category classifier now (at start-up) rather than on the first report."""
    _classifier(profile)


def _classifier(profile: Profile) -> CategoryClassifier | None:
    categories = profile.categories
    return category_classifier(category_spec(
        {key: c.examples for key, c in categories.items()}, {key: c.keywords for key, c in categories.items()}))


def _confidence(profile: Profile, text: str) -> float:
    classifier = _classifier(profile)
    return classifier.classify(text).confidence if classifier is not None else 1.0


def file_reports(profile: Profile, description: str) -> list[Filing]:
    """One filing per problem: more than one when a clause adds another problem of another category (「楼道里
    堆满了杂物 楼道灯也坏了」, 「一个是电梯老停 一个是东门的路灯不亮」), else one for the whole description."""
    whole = file_report(profile, description)
    one_problem = _confidence(profile, description) >= ONE_PROBLEM_CONFIDENCE
    for boundary in CLAUSE_END.finditer(description):
        first, rest = description[:boundary.start()].strip(), description[boundary.end():].strip()
        next_clause = CLAUSE_END.split(rest)[0]
        if not first or HEARSAY.search(first) or TOLD_THE_POLICE.search(f"{first} {next_clause}") \
                or ANNOUNCES_PROBLEMS.match(first) or not ANOTHER_PROBLEM.match(next_clause) \
                or NOBODY_ACTS.search(next_clause) or HARM_DONE.search(next_clause):
            continue
        elsewhere = _elsewhere(profile, first, rest)
        if one_problem and not NEW_TOPIC.match(rest) and not elsewhere:
            continue
        told = _the_problem_told(rest)
        one, other = file_report(profile, _after_announcement(first)), file_report(profile, told)
        general = profile.GENERAL_CATEGORY
        # 「9栋的电梯又停了 …还有啊 北门那边的垃圾都堆到路中间去了 …狗还在那扒拉」: turned to in words, at another
        # place, the second problem need not be told as plainly as the first.
        sure = (elsewhere and NEW_TOPIC.match(rest) is not None) \
            or min(_confidence(profile, first), _confidence(profile, told)) >= SECOND_PROBLEM_CONFIDENCE
        if one.confident and other.confident and (one.category.key != other.category.key or elsewhere) \
                and general not in (one.category.key, other.category.key) and sure:
            later = file_reports(profile, rest)
            if later[0].category.key == one.category.key and not elsewhere:  # the same problem told on: one filing
                return [Filing(one.category, True, f"{first} {later[0].words}"), *later[1:]]
            return [Filing(one.category, True, first), *later]
    return [Filing(whole.category, whole.confident, description)]


def _the_problem_told(text: str) -> str:
    """The clauses that tell a problem or ask for help with it, without those that tell only what it did to
    people (「楼梯拐角还堆了破沙发 俺下楼差点绊倒」 is a sofa in the stairwell)."""
    told = [clause for clause in CLAUSE_END.split(text)
            if clause and (not HARM_DONE.search(clause) or ASKS_SOMEONE_TO_ACT.search(clause))]
    return " ".join(told) or text


def _elsewhere(profile: Profile, first: str, rest: str) -> bool:
    """Whether the two parts name two different places (「东门岗亭旁边的路面塌了一个坑；还有儿童乐园的滑梯裂开了」):
    two problems of one kind at two places are two tickets."""
    one, other = _where(profile, first), _where(profile, rest)
    return one is not None and other is not None and one != other


def _where(profile: Profile, text: str) -> str | None:
    """The building or listed place (of any community) the words name."""
    found = stated_address(text)
    if found is not None:
        return f"building {found[0].building}"
    named = (find_place(profile, community, text) for community in profile.places)
    return next((f"place {place.key}" for place in named if place is not None), None)


def _after_announcement(words: str) -> str:
    """「我要反映两个事 一个是12号楼电梯老停」 -> 「一个是12号楼电梯老停」: the problem, without the announcement."""
    clauses = CLAUSE_END.split(words)
    while len(clauses) > 1 and ANNOUNCES_PROBLEMS.match(clauses[0]):
        clauses = clauses[1:]
    return " ".join(clauses)


def asks_office_to_act(profile: Profile, text: str) -> bool:
    """Help asked with a matter the office handles without a place (legal aid, relief, a pension, a home-town
    matter), in words the category classifier is sure of: 「包工头拖着工钱不给 能帮俺找个律师不」."""
    if not ASKS_SOMEONE_TO_ACT.search(FAMILY_HELPS.sub("", text)):
        return False
    filing = file_report(profile, text)
    return filing.confident and not filing.category.asks_where


def names_a_category(profile: Profile, text: str) -> bool:
    """Whether the text holds a category's keyword: then even a short message says what is wrong."""
    return any(_keyword_hits(c, text) for c in profile.categories.values())


def _keyword_hits(category: Category, text: str) -> int:
    return sum(1 for keyword in category.keywords if keyword in text)
