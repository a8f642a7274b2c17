"""Public places a resident may name instead of a building (东门, 车库, 儿童乐园), from the profile."""

from __future__ import annotations

from collections import Counter

from nlu.phrasing import LANDMARK_OF, LOOSE_WORDS
from nlu.vocabulary import VocabularyMatcher, matcher
from storage.profile import Profile
from storage.profile.schema import Place


def find_place(profile: Profile, community_key: str, text: str) -> Place | None:
    """The listed place the text names, the longest name winning (东门外的路 over 东门); when there are several,
    the one named most often (「后门口天天堆满电动车 … 担架从大门绕过来」), then the last one named, since a
    resident correcting themselves names the right one last. A place named only as a landmark of another
    (「车棚 就服务中心后面那个」) is the place only when nothing else is named. Names are also matched with their
    的 and the words that point (那条, 这段, 那个) left out: 「沿东墙那条路」 is 沿东墙的路, 「服务中心后面放电瓶车的
    那个棚子」 the bike shed."""
    places = profile.places.get(community_key, {})
    if not places or not text.strip():
        return None
    found = _named(matcher({"place": {key: place.words for key, place in places.items()}}), text)
    if not found[0]:
        loose = {key: [LOOSE_WORDS.sub("", word) for word in place.words] for key, place in places.items()}
        loosely = _named(matcher({"place": loose}), LOOSE_WORDS.sub("", text))
        found = loosely if loosely[0] or not found[1] else found
    named = found[0] or found[1]
    if not named:
        return None
    times = Counter(named)
    most = max(times.values())
    return places[[key for key in named if times[key] == most][-1]]


def _named(names: VocabularyMatcher, text: str) -> tuple[list[str], list[str]]:
    """The keys of the places the text names, in order: those named as themselves, and those only as landmarks."""
    themselves: list[str] = []
    landmarks: list[str] = []
    for _, key, _, end in names.find(text):
        (landmarks if LANDMARK_OF.match(text, end) else themselves).append(key)
    return themselves, landmarks
