"""The field's words for the retriever: abbreviations and everyday names of what the guides spell out
(社保/社会保险, 医保/医疗保险, 低保/最低生活保障), and names that look alike but are not the same thing
(居住证 is a permit, 居住证明 a certificate). A profile lists them in `policy_terms.yaml`.

Words of a group stand for each other: a text holding one is searched as if it held them all. Every term
is a word of its own to the retriever's tokenizer, so 居住证明 is never read as 居住证 and 明; the intent
classifier's tokenizer is not touched (`nlu.features`).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import jieba

from nlu.text import normalize
from storage.yaml_text import parse_yaml

TERMS_FILE = "policy_terms.yaml"
_PUNCTUATION = re.compile(r"[\s\W_]+")


@functools.lru_cache(maxsize=8)
def _tokenizer_knowing(groups: tuple[tuple[str, ...], ...]) -> jieba.Tokenizer:
    """A tokenizer with every term a word, one a process for each list of terms: loading jieba's dictionary
    costs 0.7 s of CPU, and every app loading the policy index (every server process, command and test that
    starts one) would pay it again. Nothing changes a tokenizer once its terms are added."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for group in groups:
        for term in group:
            tokenizer.add_word(normalize(term), freq=100_000)
    return tokenizer


@dataclass
class PolicyTerms:
    groups: list[tuple[str, ...]] = field(default_factory=list)
    """Each group: words for one thing, the guides' own word first."""
    _tokenizer: jieba.Tokenizer = field(init=False, repr=False)
    _longest_first: list[tuple[str, tuple[str, ...]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._tokenizer = _tokenizer_knowing(tuple(self.groups))
        self._longest_first = sorted(((normalize(t), g) for g in self.groups for t in g), key=lambda x: -len(x[0]))

    def __reduce__(self) -> tuple[type[PolicyTerms], tuple[list[tuple[str, ...]]]]:
        """Pickled as its groups: the tokenizer is built again on loading."""
        return PolicyTerms, (self.groups,)

    @classmethod
    def load(cls, profile_dir: Path) -> PolicyTerms:
        """The profile's terms, or none when it lists none."""
        path = profile_dir / TERMS_FILE
        if not path.is_file():
            return cls()
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
        return cls([tuple(str(t) for t in group) for group in data.get("same", [])])

    def words(self, text: str) -> list[str]:
        """The text's words, each listed term one word, punctuation dropped."""
        return [w for w in self._tokenizer.lcut(normalize(text)) if not _PUNCTUATION.fullmatch(w)]

    def same_as(self, word: str) -> tuple[str, ...]:
        """The word and, when it is a listed term, the other words of its groups."""
        found = normalize(word)
        return (found, *(normalize(t) for term, group in self._longest_first if term == found
                         for t in group if normalize(t) != found))

    def expand(self, text: str) -> str:
        """The text followed by the other words of every group one of its terms belongs to; a term counts only
        where no longer term covers it (居住证明 holds no 居住证)."""
        rest = normalize(text)
        added: list[str] = []
        for term, group in self._longest_first:
            if term in rest:
                rest = rest.replace(term, " ")
                added.extend(normalize(t) for t in group if normalize(t) != term and normalize(t) not in added)
        return f"{text} {' '.join(added)}" if added else text
