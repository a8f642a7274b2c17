"""The error a profile that cannot be used raises."""

from __future__ import annotations

from pathlib import Path


class ProfileError(Exception):
    """A profile that cannot be used; `str()` reads `file: field: problem`."""

    code = "profile_invalid"

    def __init__(self, path: Path, field: str, problem: str) -> None:
        self.path, self.field, self.problem = path, field, problem
        super().__init__(f"{path}: {field or '(file)'}: {problem}")
