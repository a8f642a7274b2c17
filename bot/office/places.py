"""Public places a resident may name instead of a building (东门, 车库, 儿童乐园), from the profile."""

from __future__ import annotations

from nlu.vocabulary import VocabularyMatcher
from storage.profile import Profile
from storage.profile.schema import Place


def find_place(profile: Profile, community_key: str, text: str) -> Place | None:
    """The listed place the text names, the longest name winning (东门外的路 over 东门); the last one
    named when there are several, since a resident correcting themselves names the right one last."""
    places = profile.places.get(community_key, {})
    if not places or not text.strip():
        return None
    found = VocabularyMatcher({"place": {key: place.words for key, place in places.items()}}).find(text)
    return places[found[-1][1]] if found else None
