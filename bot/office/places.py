"""Public places a resident may name instead of a building (东门, 车库, 儿童乐园), from the profile."""

from __future__ import annotations

from nlu.phrasing import LANDMARK_OF, LOOSE_WORDS
from nlu.vocabulary import VocabularyMatcher
from storage.profile import Profile
from storage.profile.schema import Place


def find_place(profile: Profile, community_key: str, text: str) -> Place | None:
    """The listed place the text names, the longest name winning (东门外的路 over 东门); the last one
    named when there are several, since a resident correcting themselves names the right one last, unless it
    is only a landmark (「车棚 就服务中心后面那个」 is the bike shed). Names are also matched with their 的 and the
    words that point at a stretch (那条, 这段) left out: 「沿东墙那条路」 is 沿东墙的路."""
    places = profile.places.get(community_key, {})
    if not places or not text.strip():
        return None
    found = VocabularyMatcher({"place": {key: place.words for key, place in places.items()}}).find(text)
    if not found:
        loose = {key: [LOOSE_WORDS.sub("", word) for word in place.words] for key, place in places.items()}
        found = VocabularyMatcher({"place": loose}).find(LOOSE_WORDS.sub("", text))
        text = LOOSE_WORDS.sub("", text)
    named = [match for match in found if not LANDMARK_OF.match(text, match[3])] or found
    return places[named[-1][1]] if named else None
