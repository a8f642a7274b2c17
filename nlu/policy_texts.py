"""Policy texts read into passages a resident can be quoted: each `## section` of a Markdown guide, long
sections cut at paragraph or sentence ends, and every passage in plain text.

A district loads what its offices wrote: guides with sections, FAQ answers of one long paragraph, yearly
notices. The bot quotes a passage on WeChat and Telegram, where Markdown marks (`**`, `- `, `[表格](…)`)
would show raw, so passages are kept as plain text; the forms a guide links to are kept apart as (name, file)
and offered as replies of their own with a link the app serves (`bot.web.forms`). A guide links a form by its
place next to the guides, `[低保申请表](forms/dibao_application.pdf)`, so the link also works where the guide is
read as Markdown; `frontdoor profile check` refuses a link to a file that is not there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FORMS_FOLDER = "forms"
"""The folder next to the guides that holds the forms they link to, served by the app at `/forms/<file>`."""
FORM_FILE = re.compile(r"^[\w\-]+\.(?:pdf|docx?|xlsx?|jpg|png)$")
"""The names a form may have: a plain file name, so a link can name nothing outside the forms folder."""
MAX_PASSAGE_CHARS = 360
"""A passage longer than this is cut: a phone screen of text, and one answer of a list of answers."""

_FORM_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_FORM_LINE = re.compile(r"^.*\[[^\]]+\]\([^)\s]+\)\s*$", re.MULTILINE)
_SECTION = re.compile(r"^##\s+(.+)$", re.MULTILINE)
_HEADING_MARK = re.compile(r"^#{1,6}\s+", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CODE = re.compile(r"`([^`]*)`")
_QUOTE_MARK = re.compile(r"^\s*>\s?", re.MULTILINE)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}.*\n?", re.MULTILINE)
_TABLE_BAR = re.compile(r"\s*\|\s*")
_BLANK_LINES = re.compile(r"\n{3,}")
_SENTENCE_END = re.compile(r"(?<=[。！？；;!?])")
_QUESTION = re.compile(r"^问[：:]\s*", re.MULTILINE)
_ANSWER = re.compile(r"^答[：:]\s*")


@dataclass(frozen=True)
class Passage:
    source: str
    title: str
    heading: str
    text: str
    forms: tuple[tuple[str, str], ...] = ()
    """(name, target) of each form the document links, the target as the guide writes it: a file relative to the
    policy folder (`forms/dibao_application.pdf`) or an address (`https://…`)."""

    @property
    def searchable(self) -> str:
        return f"{self.title} {self.heading} {self.text}"


def plain_text(markdown: str) -> str:
    """Markdown as a resident reads it in a chat: no marks, links by their names, bullets as 「·」."""
    text = _TABLE_RULE.sub("", markdown)
    text = _FORM_LINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3), text)
    text = _HEADING_MARK.sub("", text)
    text = _QUOTE_MARK.sub("", text)
    text = _BULLET.sub(r"\1· ", text)
    text = "\n".join(_TABLE_BAR.sub(" ", line).strip() if "|" in line else line.rstrip()
                     for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", text).strip()


def read_document(path: Path) -> list[Passage]:
    """One Markdown document's passages; a document without `##` sections is one section named by its title."""
    text = path.read_text(encoding="utf-8")
    title_line = next((line for line in text.splitlines() if line.startswith("# ")), "")
    title = title_line.removeprefix("# ").strip() or path.stem
    forms = tuple(form_links(text))
    parts = _SECTION.split(text.replace(title_line, "", 1) if title_line else text)
    sections = [(title, parts[0]), *zip(parts[1::2], parts[2::2], strict=True)]
    passages: list[Passage] = []
    for heading, body in sections:
        plain = plain_text(_FORM_LINE.sub("", body))
        passages.extend(Passage(path.name, title, plain_text(heading.strip()), chunk, forms)
                        for chunk in cut(plain))
    return passages


def questions_and_answers(text: str) -> list[tuple[str, str]]:
    """A passage that is a list of 「问：…」 lines each followed by its 「答：…」 (a guide's 常见问题), as (question,
    answer); empty for any other passage. A long list is cut into passages between lines, so one may start with
    the answer to a question before it, or end with a question whose answer is in the next: both are left out."""
    before, *asked = _QUESTION.split(text)
    if before.strip() and not _ANSWER.match(before.strip()):
        return []
    pairs = []
    for part in asked:
        question, _, answer = part.strip().partition("\n")
        pairs.append((question.strip(), _ANSWER.sub("", answer.strip())))
    return [(question, answer) for question, answer in pairs if question and answer]


def form_links(markdown: str) -> list[tuple[str, str]]:
    """Each link of a guide as (name, target), in order, each target once."""
    names: dict[str, str] = {}
    for link in _FORM_LINK.finditer(markdown):
        names.setdefault(link.group(2), link.group(1))
    return [(name, target) for target, name in names.items()]


def is_address(target: str) -> bool:
    """A link to somewhere else on the web, given as it is, rather than a file of the profile's."""
    return target.startswith(("https://", "http://"))


def missing_forms(folder: Path) -> list[tuple[Path, str]]:
    """(guide, target) of each link in the guides of `folder` to a file that the app would not serve: not a plain
    file name in the forms folder, or not there."""
    missing = []
    for path in sorted(folder.glob("*.md")):
        for _, target in form_links(path.read_text(encoding="utf-8")):
            folder_name, _, name = target.partition("/")
            served = folder_name == FORMS_FOLDER and FORM_FILE.match(name) and (folder / target).is_file()
            if not is_address(target) and not served:
                missing.append((path, target))
    return missing


def read_passages(folder: Path) -> list[Passage]:
    return [passage for path in sorted(folder.glob("*.md")) for passage in read_document(path)]


def cut(text: str, limit: int = MAX_PASSAGE_CHARS) -> list[str]:
    """The text in pieces of at most about `limit` characters, cut between paragraphs where possible, else
    between sentences; a piece never ends mid-sentence unless one sentence is longer than `limit`."""
    if not text:
        return []
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for unit, new_paragraph in _units(text, limit):
        joined = (current + ("\n" if new_paragraph else "") + unit) if current else unit
        if current and len(joined) > limit:
            pieces.append(current)
            current = unit
        else:
            current = joined
    if current:
        pieces.append(current)
    return pieces


def _units(text: str, limit: int) -> list[tuple[str, bool]]:
    """Paragraphs, or the sentences of a paragraph too long to keep whole, each with whether it starts a
    paragraph."""
    units = []
    for paragraph in (p.strip() for p in text.split("\n")):
        if len(paragraph) <= limit:
            units.extend([(paragraph, True)] if paragraph else [])
            continue
        sentences = [s for s in _SENTENCE_END.split(paragraph) if s]
        pieces = [s[i:i + limit] for s in sentences for i in range(0, len(s), limit)]
        units.extend((piece, i == 0) for i, piece in enumerate(pieces))
    return units
