"""Community profiles: the district's and communities' own data, read from a folder."""

from storage.profile.errors import ProfileError
from storage.profile.loader import load_profile
from storage.profile.model import Profile

__all__ = ["Profile", "ProfileError", "load_profile"]
