"""A policy library built once and kept on disk with the version of the texts it was built from.

Building embeds every passage (a tenth to a quarter of a second each), so a library is written to a file
and read back on the next start; a file built from other texts or terms (another `policy_version`) is
never answered from: the library is rebuilt, re-using the vectors of every passage whose text did not
change, and written again. `frontdoor faq index` does the same ahead of a deployment, with a progress bar.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from collections.abc import Callable
from pathlib import Path

from nlu.policy_embeddings import MODEL_NAME, VectorCache
from nlu.policy_index import PolicyLibrary, embedded_text
from nlu.policy_terms import TERMS_FILE, PolicyTerms
from nlu.policy_texts import read_passages

log = logging.getLogger(__name__)

INDEX_FORMAT = "policy library 3"
"""Part of every index's version: raised when `PolicyLibrary` changes shape, so an older file is rebuilt."""

Progress = Callable[[int, int], None]
"""Called with (passages embedded so far, passages to embed)."""


def policy_version(folder: Path, terms_file: Path | None) -> str:
    """A hash of everything a library is built from: the texts, the terms and the embedding model."""
    digest = hashlib.sha256(f"{INDEX_FORMAT} {MODEL_NAME}".encode())
    for path in [*sorted(folder.glob("*.md")), *([terms_file] if terms_file and terms_file.is_file() else [])]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_library(path: Path) -> PolicyLibrary | None:
    """The library written at `path`, or None when there is none or it cannot be read."""
    if not path.is_file():
        return None
    try:
        library = pickle.loads(path.read_bytes())
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError) as error:
        log.warning("policy index %s cannot be read (%s): rebuilding it", path, error)
        return None
    return library if isinstance(library, PolicyLibrary) else None


def build_library(folder: Path, profile_dir: Path | None, link_base: str = "", dense: bool = True,
                  previous: PolicyLibrary | None = None, progress: Progress | None = None) -> PolicyLibrary:
    """The library of `folder`'s texts and `profile_dir`'s terms; with `dense`, every passage embedded,
    re-using `previous`'s vectors of unchanged passages."""
    terms_file = profile_dir / TERMS_FILE if profile_dir else None
    passages = read_passages(folder)
    vectors = None
    if dense:
        texts = [embedded_text(p) for p in passages]
        kept = previous.vectors if previous is not None and previous.vectors is not None else VectorCache()
        vectors = kept.kept_for(texts)
        total, done = vectors.missing(texts), 0

        def embedded(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(done, total)

        if progress is not None:
            progress(0, total)
        vectors.matrix(texts, embedded)
    terms = PolicyTerms.load(profile_dir) if profile_dir else PolicyTerms()
    return PolicyLibrary(passages, terms, vectors, policy_version(folder, terms_file), link_base=link_base)


def write_library(library: PolicyLibrary, path: Path) -> None:
    """Written whole or not at all: another process starting at the same time reads the old file or the new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_bytes(pickle.dumps(library))
    partial.replace(path)


def current_library(folder: Path, profile_dir: Path, index_file: Path, link_base: str = "",
                    dense: bool = True) -> PolicyLibrary:
    """The library of the texts as they are now: read from `index_file` when it was built from them, else
    built (re-using what the file holds) and written there."""
    stored = read_library(index_file)
    version = policy_version(folder, profile_dir / TERMS_FILE)
    if stored is not None and stored.version == version and (stored.vectors is not None) == dense:
        stored.link_base = link_base
        return stored
    log.info("policy texts changed since %s was built: indexing them", index_file)
    library = build_library(folder, profile_dir, link_base, dense, stored)
    write_library(library, index_file)
    return library
