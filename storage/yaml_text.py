"""YAML parsed by libyaml where PyYAML was built with it, with the safe loader's rules either way. PyYAML's
pure-Python parser took a third of an app's start-up reading the profile (0.7 s of CPU), which every server
process, command and test that starts an app pays."""

from __future__ import annotations

from typing import Any

import yaml

_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """`yaml.safe_load(text)`, through libyaml when it is there."""
    return yaml.load(text, Loader=_SAFE_LOADER)
