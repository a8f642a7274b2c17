"""Where a community's buildings stand, so a location a resident shares can name their building.

Optional `communities/<id>/locations.yaml`: `max_distance_m` and `buildings: {number: [lat, lon]}`
in the coordinates the platform reports (WeChat: GCJ-02).
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storage.yaml_text import parse_yaml

LOCATIONS_FILE = "locations.yaml"
EARTH_RADIUS_M = 6_371_000


class BuildingLocations(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_distance_m: float = Field(default=300, gt=0)
    buildings: dict[str, tuple[float, float]]

    def nearest(self, latitude: float, longitude: float) -> str | None:
        """The number of the nearest building, or None when none is within `max_distance_m`."""
        if not self.buildings:
            return None
        number, distance = min(((n, distance_m((latitude, longitude), at)) for n, at in self.buildings.items()),
                               key=lambda pair: pair[1])
        return number if distance <= self.max_distance_m else None


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine); metres are plenty precise at a community's scale."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def load_locations(community_dir: Path, known_buildings: set[str]) -> BuildingLocations | None:
    """The community's building positions, or None without the file. Raises ValueError naming the field."""
    path = community_dir / LOCATIONS_FILE
    if not path.is_file():
        return None
    try:
        locations = BuildingLocations.model_validate(parse_yaml(path.read_text(encoding="utf-8")))
    except ValidationError as error:
        first = error.errors()[0]
        raise ValueError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    unknown = sorted(set(locations.buildings) - known_buildings)
    if unknown:
        raise ValueError(f"buildings.{unknown[0]}: no such building in this community")
    return locations
