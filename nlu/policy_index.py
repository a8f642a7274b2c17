"""Retrieval over the community's policy texts, for policy_question.

Passages (`nlu.policy_texts`) carry their document's title and section heading. Documents are ranked whole
(residents' words for a topic are spread over a guide, not one section) by three rankers fused
(`PolicyLibrary`), then the passage of the chosen document that fits the question best is quoted.
`bench/faq_bench.py` measures each ranker and the fusion side by side.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from sklearn.feature_extraction.text import TfidfVectorizer

from nlu.features import words
from nlu.fitted import unchecked
from nlu.phrasing import AGE_TOLD_ALONE, ASKING
from nlu.policy_embeddings import VectorCache, embed_question
from nlu.policy_terms import PolicyTerms
from nlu.policy_texts import Passage, is_address, questions_and_answers, read_passages
from nlu.text import normalize

_PUNCTUATION = re.compile(r"[\s\W_]+")
STOP_WORDS = frozenset([
    *"的了吗呢啊吧呀么嘛是我你他她咱俺要想能会有在和跟就都也还哪啥咋",
    "请问", "一下", "怎么", "什么", "哪里", "多少", "可以", "需要", "这个", "那个",
    # everyday question padding: 「居住证咋办 要啥东西」 asks about 居住证 only
    "咋办", "怎么办", "要啥", "东西", "这边", "那边", "这里", "那里", "哪儿", "这种", "那种", "这样", "那样", "一个",
    "直接", "不能", "能不", "有没有", "没有", "是不是", "行不行", "问问", "知道", "现在", "我家", "家里",
    "啥时候", "什么时候", "几时", "多会儿", "能不能", "可不可以",
    # dialects' words for the same padding: 「阿拉屋里…哪能申请」 (Shanghai), 「要啥子材料」 (Sichuan)
    "阿拉", "屋里", "哪能", "啥子", "咋个", "晓得", "俺家", "恁", "侬",
])


_CLAUSES = re.compile(r"[，。,；;！!？?\n]+|\s+")
ANSWER_KINDS = (
    (re.compile(r"多少钱|[给领发补交缴拿]多少|多少元|什么标准|标准是多少"),
     re.compile(r"\d[\d,]*(?:\.\d+)?\s*元"), re.compile(r"标准|金额|费用|价格|收费")),
    (re.compile(r"多久|多长时间|几天|几个工作日|什么时候(?:能|才能|可以)?(?:办好|批|下来|拿到|到账|发)"),
     re.compile(r"\d+\s*个?(?:工作日|日|天|月|个月)内"), re.compile(r"时限|期限")),
    (re.compile(r"带(?:什么|啥|哪些|些啥)|(?:什么|啥|哪些)材料|材料(?:有哪些|是什么|要哪些)|准备(?:什么|啥|哪些)"
                r"|(?:要|需要|得)(?:什么|啥|哪些)(?:证件|东西|资料)|办\S{1,8}(?:要|需要|得)(?:什么|啥|哪些)[吗呢啊呀]?$"),
     re.compile(r"原件|复印件"), re.compile(r"材料")),
    (re.compile(r"(?:怎么|怎样|如何|咋)(?:样)?(?:申请|办理|领取?|开具?|弄|整|签约?|报名|补办|登记|交费?|缴费?)"
                r"|(?:怎么|怎样|如何|咋)办(?![理啊呢吗呀哦哇嘛吧了才好])(?=[\u4e00-\u9fff])|^\W*\w{1,6}?证(?:件)?(?:要|该|得)?怎么办"
                r"|(?:申请|办理|办事)(?:流程|步骤|程序)|(?:什么|啥|哪些)(?:流程|步骤|手续)"),
     re.compile(r"(?:^|\n)\s*2[.、．]"), re.compile(r"流程|步骤|程序|如何(?:申请|办理)|怎么签约|缴费方式|第.步")),
    (re.compile(r"表格|申请表|(?:什么|啥|哪些|哪个)表|表(?:在哪|去哪|哪里|怎么)|下载"),
     re.compile(r"《[^》]*(?:表|书)》"), re.compile(r"材料|表格")),
    (re.compile(r"几点(?:上班|下班|开门|关门)|(?:上班|办公|办事|营业)时间|什么时候(?:上班|开门)"),
     re.compile(r"周一至周五"), re.compile(r"办公时间|开放时间")),
    (re.compile(r"(?<!表)(?<!表格)(?:去|到|在)(?:哪里?|哪儿|什么地方)(?!下载|下)|找谁|找哪|哪个(?:部门|单位|窗口)"),
     re.compile(r"[路街巷]\d+号|\d+室|[一二三]楼"), re.compile(r"地点|地址|途径|[去在到]哪")),
    (re.compile(r"(?<!时候)(?:能|可以|可不可以|能不能|够不够|符不符合)(?:办|申请|领|享受|拿|签|参加|吃)(?!多少|几)|够条件|有资格"
                r"|(?:什么|啥|哪些)(?:人|条件)|多大(?:岁数|年纪)|多少岁|几岁|" + AGE_TOLD_ALONE.pattern),
     re.compile(r"年满\S{1,4}周岁"), re.compile(r"对象|条件|谁可以|范围")),
    (re.compile(r"(?:能|可以)?(?:干啥|干什么|做什么|有什么用|有啥用|有什么好处|有啥好处|享受(?:什么|啥|哪些))"),
     re.compile(r"享受|可以(?:在|凭|用)"), re.compile(r"享受|优待|服务内容|用途|作用|有什么用")),
    (re.compile(r"代办|代领|代为|替(?:我|他|她|老人)|(?:闺女|儿子|女儿|孩子|子女|老伴|家里人|家属|亲戚|别人|他人)"
                r"(?:去|来|帮(?:我|忙)?|替(?:我)?)(?:办|领|拿|弄|跑|去)"),
     re.compile(r"代办|代为|委托|代他人"), re.compile(r"代办|委托")),
    (re.compile(r"丢了|丢失|遗失|弄丢|补办|补领|补发|损坏"),
     re.compile(r"补办|补领|补发|挂失"), re.compile(r"补办|补领|补发|遗失|挂失|换证")),
)
"""(What a question asks for, what the text of a passage that gives it holds, what its heading says): 「低保一个月
能给多少钱」 wants the section with the amounts, not the one that says 「1个月内」 and shares more of its characters;
「开这个证明要带什么」 the list of materials, not the conditions that share its words; 「低保怎么申请」 and
「怎么办低保」 the steps, not the time limits (「低保没批下来怎么办」 asks what to do, not how to apply);
「低保的表格在哪下载」 the materials that name the forms (whose links every answer from the guide carries), not an
answer about a certificate; 「社区几点上班」 the office hours, not the question whether anyone works on Saturdays;
「老年证去哪办」 and 「临时救助找谁」 the place, not the time limits; 「我今年68了 可以办吗」 who may apply;
「残疾证丢了怎么办」 how a lost card is replaced. Of a guide's 常见问题 the one answer quoted is what must give it
(`answers_the_kind_asked`)."""
TEXT_ONLY_KIND_FIT = 0.5
"""How much less a passage that gives what is asked only in its text counts than one whose heading says so, in a
guide where one does."""
SAME_QUESTION_SHARE = 0.6
"""The share of a question's character bigrams a 常见问题 entry's question holds when it asks the same thing."""
ANSWER_KIND_WEIGHT = 2.0
"""What the passage of the right kind adds to its fit (words and meaning, each 0-1): more than either, since a
guide's 常见问题 section, many answers in one passage, shares some words with nearly any question about it."""
SHORT_TITLE_PART = 3
"""Characters of a guide's title a question names it by (`names_the_guide`)."""


def asked_part(question: str) -> str:
    """The clauses that ask, without the story told before them; the whole when none asks."""
    asking = [clause for clause in _CLAUSES.split(question) if clause and ASKING.search(clause)]
    return " ".join(asking) if asking else question


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


def bigrams(text: str) -> list[str]:
    """The text's character bigrams, punctuation and spaces left out."""
    compact = _PUNCTUATION.sub("", normalize(text))
    return [compact[i:i + 2] for i in range(len(compact) - 1)]


@dataclass
class BM25Index:
    passages: list[Passage]
    tokens: Callable[[str], list[str]]
    k1: float = 1.5
    b: float = 0.75
    _postings: dict[str, tuple[NDArray[np.int64], NDArray[np.float64]]] = field(init=False, repr=False)
    _idf: dict[str, float] = field(init=False, repr=False)
    _norms: NDArray[np.float64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        counted = [Counter(self.tokens(p.searchable)) for p in self.passages]
        lengths = np.array([sum(c.values()) for c in counted], dtype=np.float64)
        average = float(lengths.mean()) if len(lengths) else 1.0
        self._norms = self.k1 * (1 - self.b + self.b * lengths / max(average, 1e-9))
        postings: dict[str, list[tuple[int, int]]] = {}
        for i, counts in enumerate(counted):
            for term, count in counts.items():
                postings.setdefault(term, []).append((i, count))
        total = len(counted)
        self._idf = {t: math.log(1 + (total - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()}
        self._postings = {t: (np.array([i for i, _ in p], dtype=np.int64),
                              np.array([c for _, c in p], dtype=np.float64)) for t, p in postings.items()}

    def scores(self, question: str) -> NDArray[np.float64]:
        result = np.zeros(len(self.passages))
        for term in set(self.tokens(question)):
            if term not in self._postings:
                continue
            where, tf = self._postings[term]
            result[where] += self._idf[term] * tf * (self.k1 + 1) / (tf + self._norms[where])
        return result


@dataclass
class CharTfidfIndex:
    passages: list[Passage]
    heading_weight: int = 1
    """Within one guide, a section's heading (所需材料, 申请条件) says most about what it answers."""
    _vectorizer: TfidfVectorizer = field(init=False, repr=False)
    _matrix: object = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        texts = [" ".join([p.heading] * (self.heading_weight - 1) + [p.searchable]) for p in self.passages]
        self._matrix = self._vectorizer.fit_transform([normalize(t) for t in texts])

    def scores(self, question: str) -> NDArray[np.float64]:
        with unchecked():
            vector = self._vectorizer.transform([normalize(question)])
        return np.asarray((self._matrix @ vector.T).toarray()).ravel()


def by_document(passages: list[Passage]) -> dict[str, list[Passage]]:
    """Each document's passages in order, the documents sorted by source."""
    grouped: dict[str, list[Passage]] = {}
    for passage in passages:
        grouped.setdefault(passage.source, []).append(passage)
    return dict(sorted(grouped.items()))


SECTION_HEADING_WEIGHT = 4
TITLE_WEIGHT = 6
"""How many times a document's title counts: a question usually names its topic."""


@dataclass
class DocumentIndex:
    """Character TF-IDF over whole documents (title weighted); scores are per document."""

    passages: list[Passage]
    sources: list[str] = field(init=False)
    _vectorizer: TfidfVectorizer = field(init=False, repr=False)
    _matrix: object = field(init=False, repr=False)

    def __post_init__(self) -> None:
        documents = by_document(self.passages)
        self.sources = list(documents)
        texts = [normalize(" ".join([parts[0].title] * TITLE_WEIGHT + [p.searchable for p in parts]))
                 for parts in documents.values()]
        self._vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform(texts)

    def document_scores(self, question: str) -> NDArray[np.float64]:
        with unchecked():
            vector = self._vectorizer.transform([normalize(question)])
        return np.asarray((self._matrix @ vector.T).toarray()).ravel()



@dataclass
class BigramDocuments:
    """BM25 over the character bigrams of whole documents, the title counted `TITLE_BIGRAM_WEIGHT` times: on real
    FAQ text it ranks the right answer first more often than words or character TF-IDF do (`make bench-faq`)."""

    passages: list[Passage]
    terms: PolicyTerms = field(default_factory=PolicyTerms)
    sources: list[str] = field(init=False)
    _bm25: BM25Index = field(init=False, repr=False)

    def __post_init__(self) -> None:
        grouped = by_document(self.passages)
        self.sources = list(grouped)
        documents = [
            Passage(source, parts[0].title, "", self.terms.expand(
                " ".join([parts[0].title] * TITLE_BIGRAM_WEIGHT + [f"{p.heading} {p.text}" for p in parts])))
            for source, parts in grouped.items()]
        self._bm25 = BM25Index(documents, k1=1.2, tokens=bigrams)

    def document_scores(self, question: str) -> NDArray[np.float64]:
        return self._bm25.scores(self.terms.expand(question))


TITLE_BIGRAM_WEIGHT = 3

FUSION_WEIGHTS = {"bigrams": 1.0, "tfidf": 0.5, "dense": 3.0}
"""How much each ranker's score (scaled to 0-1 over the documents for each question) counts in the fused
ranking; chosen on the tuning part of the policy development set and the demo questions (`make bench-faq`)."""


@dataclass
class PolicyLibrary:
    """The best passages of the best documents for a question, or None when nothing fits.

    Documents are ranked by three rankers fused: BM25 over character bigrams, character TF-IDF over whole
    documents (both with the profile's terms, `nlu.policy_terms`), and the sentence embeddings of their
    passages (`nlu.policy_embeddings`) when `vectors` is given. Within the document, the passage that fits the
    question best is quoted."""

    passages: list[Passage]
    terms: PolicyTerms = field(default_factory=PolicyTerms)
    vectors: VectorCache | None = None
    """Passage vectors by text hash; None ranks by words alone."""
    version: str = ""
    """The hash of the texts and terms this library was built from (`policy_version`)."""
    min_score: ClassVar[float] = 0.06
    min_coverage: ClassVar[float] = 0.4
    """An answer needs both: its document's TF-IDF score is at least `min_score`, and at least `min_coverage` of
    the question's content words occur in it. Set on the even-numbered demo questions against the
    unanswerable ones (bench/faq_bench.py reports all): declining is cheap (a person is offered),
    a confident answer from the wrong guide is not."""
    clear_score: ClassVar[float] = 0.15
    clear_margin: ClassVar[float] = 2.0
    """Or a document far ahead of the next (「想问下高龄津贴多大岁数能领」: the guide's name, in other words than
    the guide's): at least `clear_score` and `clear_margin` times the runner-up. Set on the even-numbered
    demo questions like the two above."""
    fused_lead: ClassVar[float] = 1.5
    fused_lead_margin: ClassVar[float] = 1.2
    """Or a document ahead of the next by `fused_lead` in the fused ranking (out of 4.5) and by `fused_lead_margin`
    times in words, scoring at least `clear_score` (「迭个证要带啥物事去办 户口本要伐」: the guide, in a dialect's
    words). Set on the demo questions: two more answered, none of the 25 unanswerable."""
    link_base: str = ""
    """Where the app serves the policy folder's forms (the public URL): a form is linked as
    `<link_base>/forms/<file>`."""
    documents: DocumentIndex = field(init=False, repr=False)
    bigram_documents: BigramDocuments = field(init=False, repr=False)
    sections: CharTfidfIndex = field(init=False, repr=False)
    _texts: dict[str, str] = field(init=False, repr=False)
    _passage_vectors: NDArray[np.float32] | None = field(init=False, repr=False)
    _passage_document: NDArray[np.int64] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.documents = DocumentIndex(self.passages)
        self.bigram_documents = BigramDocuments(self.passages, self.terms)
        self.sections = CharTfidfIndex(self.passages, heading_weight=SECTION_HEADING_WEIGHT)
        self._texts = {s: normalize(" ".join(p.searchable for p in self.passages if p.source == s))
                       for s in self.documents.sources}
        position = {source: i for i, source in enumerate(self.documents.sources)}
        self._passage_document = np.array([position[p.source] for p in self.passages], dtype=np.int64)
        self._passage_vectors = None
        if self.vectors is not None:
            self._passage_vectors = self.vectors.matrix([embedded_text(p) for p in self.passages])

    @classmethod
    def from_folder(cls, folder: Path, link_base: str = "", terms: PolicyTerms | None = None,
                    vectors: VectorCache | None = None) -> PolicyLibrary:
        return cls(read_passages(folder), terms or PolicyTerms(), vectors, link_base=link_base)

    def form_link(self, target: str) -> str:
        """Where a resident opens a form a guide links: the app's address of its file, or the address given."""
        return target if is_address(target) or not self.link_base else f"{self.link_base.rstrip('/')}/{target}"

    def document_scores(self, question: str) -> NDArray[np.float64]:
        """The fused score of each document (`documents.sources` order)."""
        expanded = self.terms.expand(question)
        fused = FUSION_WEIGHTS["bigrams"] * _scaled(self.bigram_documents.document_scores(question)) \
            + FUSION_WEIGHTS["tfidf"] * _scaled(self.documents.document_scores(expanded))
        if self._passage_vectors is not None and len(self.passages):
            closeness = self._passage_vectors @ embed_question(question)
            best = np.full(len(self.documents.sources), -1.0)
            np.maximum.at(best, self._passage_document, closeness)
            fused = fused + FUSION_WEIGHTS["dense"] * _scaled(best)
        return fused

    def search(self, question: str, k: int = 5) -> list[Hit]:
        """One hit per document, best document first, each with the passage of it that fits the question best:
        by its words (headings weighted, the question as written: the terms' other words are in every section
        of their guide) and, with vectors, by meaning, equally."""
        document_scores = self.document_scores(question)
        fitting = self._fitting(question)
        return [Hit(fitting(int(d)), float(document_scores[d]))
                for d in np.argsort(-document_scores, kind="stable")[:k]]

    def _fitting(self, question: str, other_than: str | None = None) -> Callable[[int], Passage]:
        """The passage of a document (by its index) that fits the question best, of those not headed `other_than`
        when the document has others."""
        section_scores = self.sections.scores(question)
        closeness = self._passage_vectors @ embed_question(question) if self._passage_vectors is not None else None

        def best_of(d: int) -> Passage:
            own = np.flatnonzero(self._passage_document == d)
            others = own[[self.passages[i].heading != other_than for i in own]]
            own = others if len(others) else own
            fit = _scaled(section_scores[own])
            if closeness is not None:
                fit = fit + _scaled(closeness[own].astype(np.float64))
            kind = np.array([answers_the_kind_asked(question, self.passages[i]) for i in own])
            fit = fit + ANSWER_KIND_WEIGHT * (kind / kind.max() if kind.max() > 0 else kind)
            return asked_of(question, self.passages[own[int(np.argmax(fit))]])

        return best_of

    def prepare(self, question: str) -> None:
        """Embed the question ahead of `search` or `answer`, which then find its vector kept (`embed_question`). The
        embedding is most of what answering costs (15-100 ms of CPU, by the question's length) and lets go of the GIL:
        a caller in another thread keeps the event loop answering meanwhile."""
        if self._passage_vectors is not None:
            embed_question(question)

    def answer(self, question: str) -> Hit | None:
        """The best hit, when its document plainly covers the question (see `min_score`, `clear_score`)."""
        hits = self.search(question, 2)
        if not hits:
            return None
        lexical = self.documents.document_scores(self.terms.expand(question))
        chosen = self.documents.sources.index(hits[0].passage.source)
        best = float(lexical[chosen])
        runner_up = float(np.delete(lexical, chosen).max()) if len(lexical) > 1 else 0.0
        if best < self.min_score:
            return None
        clear = best >= self.clear_score and best >= self.clear_margin * runner_up
        lead = hits[0].score - (hits[1].score if len(hits) > 1 else 0.0)
        far_ahead = lead >= self.fused_lead and best >= self.clear_score and best >= self.fused_lead_margin * runner_up
        covered = self.coverage(question, hits[0].passage.source) >= self.min_coverage
        return hits[0] if clear or far_ahead or covered else None

    def answer_about(self, topic: str, question: str, title_holds: str | None = None,
                     other_than: str | None = None) -> Hit | None:
        """The answer to a question that goes on about a topic it does not name (「要带啥材料」 after the guide titled
        `topic` was quoted), from a guide whose title holds `title_holds` (the topic itself by default), from another
        passage than the one headed `other_than`; None when another guide answers it better or none does."""
        found = self.answer(f"{topic} {question}")
        if found is None or (title_holds or topic) not in found.passage.title:
            return None
        # The topic chose the guide; the question alone chooses its passage (「老年优待证办理 要照片吗」 as a whole
        # fits the 办理 of every heading, and 办理时限 won over the 所需材料 that asks for a photo).
        hit = Hit(self._fitting(question, other_than)(self.documents.sources.index(found.passage.source)), found.score)
        # The topic's words fit its own guide whatever is asked: the passage must give the kind of thing asked
        # (materials, a time limit, an amount) or hold the question's own words.
        covered = self.coverage(question, hit.passage.source) >= self.min_coverage
        return hit if covered or gives_what_is_asked(question, hit.passage) else None

    def coverage(self, question: str, source: str) -> float:
        """The share of the question's content words (two characters or more) found in the document, each or another
        word of its group in the profile's terms, or of the words of what it asks (`asked_part`) if more: the story
        before a question is the resident's, not the guide's."""
        return max(self._covered(question, source), self._covered(asked_part(question), source))

    def _covered(self, text: str, source: str) -> float:
        content = [w for w in words(normalize(text)) if len(w) >= 2 and w not in STOP_WORDS]
        found = sum(any(same in self._texts[source] for same in self.terms.same_as(w)) for w in content)
        return found / len(content) if content else 0.0


def names_the_guide(title: str, question: str) -> bool:
    """Whether the question names the subject of the guide titled `title`: a part of the title of three characters
    or fewer (「低保」 of 「最低生活保障（低保）申请」), or three characters in a row of a longer one (「居住证」 of
    「居住证办理（外来人员）」). 「户口在老家也能领吗」 names no 独生子女 guide, whatever its words fit."""
    for part in re.split(r"[（）()·、\s]+", title):
        if 0 < len(part) <= SHORT_TITLE_PART and part in question:
            return True
        if any(part[i:i + SHORT_TITLE_PART] in question for i in range(len(part) - SHORT_TITLE_PART + 1)):
            return True
    return False


def asked_of(question: str, passage: Passage) -> Passage:
    """Of a passage of questions and answers (a guide's 常见问题), the one answer whose question and answer share the
    most of the question's words (character bigrams, its own question's counting double), headed by its question;
    any other passage, or one that shares none, as it is."""
    pairs = questions_and_answers(passage.text)
    asked = set(bigrams(question))
    shared = [2 * len(asked & set(bigrams(q))) + len(asked & set(bigrams(a))) for q, a in pairs]
    if not shared or max(shared) == 0:
        return passage
    best_question, best_answer = pairs[shared.index(max(shared))]
    return replace(passage, heading=best_question, text=best_answer)


def answers_the_kind_asked(question: str, passage: Passage) -> float:
    """How plainly the passage, or of a guide's 常见问题 the one answer that would be quoted, gives what the question
    asks for: 1 when its heading says so (「价格和补贴」 for 「多少钱一顿」), half when only its text holds it (the
    「送餐费每次3元」 of 「送餐上门」), else 0; `search` scales a guide's passages so the best counts 1 (the numbered
    steps under 「手机自助认证（刷脸）」 are the guide's only steps). That answer's own question counts as its heading
    only when it is the resident's question (「低保证明去哪开」 and 「要开低保证明去哪里？」, not 「低保去哪申请」)."""
    quoted = asked_of(question, passage)
    if quoted is not passage and not _asks_the_same(question, quoted.heading):
        quoted = replace(quoted, heading=passage.heading)
    asked = [(in_text, in_heading) for asks, in_text, in_heading in ANSWER_KINDS if asks.search(question)]
    if any(in_heading.search(quoted.heading) for _, in_heading in asked):
        return 1.0
    return TEXT_ONLY_KIND_FIT if any(in_text.search(quoted.text) for in_text, _ in asked) else 0.0


def _asks_the_same(question: str, asked: str) -> bool:
    own = set(bigrams(asked_part(question)))
    return bool(own) and len(own & set(bigrams(asked))) >= SAME_QUESTION_SHARE * len(own)


def gives_what_is_asked(question: str, passage: Passage) -> bool:
    """Whether the question asks for an amount or a time limit and the passage gives one."""
    return any(asks.search(question) is not None
               and (in_text.search(passage.text) is not None or in_heading.search(passage.heading) is not None)
               for asks, in_text, in_heading in ANSWER_KINDS)


def embedded_text(passage: Passage) -> str:
    """What a passage's vector is made from: its text with the title and heading that say what it is about."""
    return f"{passage.title} {passage.heading} {passage.text}"


def _scaled(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """Scores moved to 0-1 over the documents (min-max), so rankers of different scales can be added."""
    low, high = float(scores.min()), float(scores.max())
    return (scores - low) / (high - low) if high > low else np.zeros_like(scores, dtype=np.float64)
