"""The field's terms as words of the retriever's tokenizer: each list of terms keeps its own words, however many
libraries a process loads (every app start loads one)."""

from __future__ import annotations

import pickle

from nlu.policy_terms import PolicyTerms


def test_a_listed_term_is_one_word_and_an_unlisted_one_is_not_in_the_same_process() -> None:
    listed = PolicyTerms([("居住证明",)])
    unlisted = PolicyTerms([])

    assert "居住证明" in listed.words("我想开个居住证明")
    assert "居住证明" not in unlisted.words("我想开个居住证明")
    assert "居住证明" in PolicyTerms([("居住证明",)]).words("我想开个居住证明")


def test_terms_loaded_again_share_one_tokenizer_and_a_pickled_index_keeps_its_terms() -> None:
    """Loading jieba's dictionary costs 0.7 s of CPU: the same terms, loaded again (a policy index unpickled at
    each app start), reuse the tokenizer built for them."""
    terms = PolicyTerms([("居住证明",), ("社保", "社会保险")])
    again: PolicyTerms = pickle.loads(pickle.dumps(terms))

    assert again.groups == terms.groups
    assert again._tokenizer is terms._tokenizer
    assert PolicyTerms([("社保", "社会保险")])._tokenizer is not terms._tokenizer
    assert again.words("社保和居住证明") == ["社保", "和", "居住证明"]
