"""Building positions: the nearest building to a shared point, and errors that name file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from storage.profile import Profile, ProfileError, load_profile
from storage.profile.locations import BuildingLocations, distance_m
from tests.conftest import DEMO_PROFILE

LOCATIONS = BuildingLocations(max_distance_m=100, buildings={"1": (30.0, 120.0), "2": (30.0005, 120.0)})


def test_the_nearest_building_within_reach_is_named() -> None:
    assert LOCATIONS.nearest(30.0004, 120.0) == "2"
    assert LOCATIONS.nearest(30.0001, 120.0001) == "1"


def test_a_point_beyond_the_reach_of_every_building_names_none() -> None:
    assert LOCATIONS.nearest(30.01, 120.0) is None


def test_distance_is_in_metres() -> None:
    assert distance_m((30.0, 120.0), (30.0005, 120.0)) == pytest.approx(55.6, abs=0.5)


def test_the_demo_communities_place_every_building(profile: Profile) -> None:
    for key in profile.communities:
        assert set(profile.building_locations[key].buildings) == set(profile.buildings(key))


def test_a_building_the_community_does_not_have_names_file_and_field(tmp_path: Path) -> None:
    root = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, root)
    path = root / "communities" / "qingshui" / "locations.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "  '99': [30.28, 120.16]\n", encoding="utf-8")

    with pytest.raises(ProfileError, match=r"qingshui/locations.yaml: buildings.99: no such building"):
        load_profile(root)


def test_a_malformed_position_names_file_and_field(tmp_path: Path) -> None:
    root = tmp_path / "profile"
    shutil.copytree(DEMO_PROFILE, root)
    path = root / "communities" / "qingshui" / "locations.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("max_distance_m: 300", "max_distance_m: -5"),
                    encoding="utf-8")

    with pytest.raises(ProfileError, match=r"qingshui/locations.yaml: max_distance_m: "):
        load_profile(root)
