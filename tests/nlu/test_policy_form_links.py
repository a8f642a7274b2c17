"""The forms a guide links: every one offered, each once, in the guide's order; a file of the profile linked where
the app serves it, an address on the web given as it is."""

from __future__ import annotations

from nlu.policy_index import PolicyLibrary
from nlu.policy_texts import Passage, form_links

GUIDE = """# 低保
表格下载：[低保申请表](forms/dibao_application.pdf)
表格下载：[授权书](forms/dibao_authorization.pdf)
也可在网上办：[浙里办](https://www.zjzwfw.gov.cn/)
再说一遍：[低保申请表](forms/dibao_application.pdf)
"""


def test_every_link_of_a_guide_is_kept_once_in_order() -> None:
    assert form_links(GUIDE) == [("低保申请表", "forms/dibao_application.pdf"),
                                 ("授权书", "forms/dibao_authorization.pdf"),
                                 ("浙里办", "https://www.zjzwfw.gov.cn/")]


def test_a_form_is_linked_under_the_public_url_and_a_web_address_as_it_is() -> None:
    library = PolicyLibrary([Passage("dibao.md", "低保", "低保", "低保标准每月1050元")],
                            link_base="https://bot.example.cn/")

    assert library.form_link("forms/dibao_application.pdf") == "https://bot.example.cn/forms/dibao_application.pdf"
    assert library.form_link("https://www.zjzwfw.gov.cn/") == "https://www.zjzwfw.gov.cn/"
