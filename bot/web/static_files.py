"""Where the pages' CSS, scripts and HTML live (served under `/static`)."""

from pathlib import Path

STATIC = Path(__file__).parent / "static"
