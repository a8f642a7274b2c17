"""`frontdoor profile check` and the forms the policy guides link: a link to a file that is not there is refused
with the guide and the link named, so a resident is never given a link that does not open."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.cli import frontdoor
from tests.conftest import DEMO_PROFILE


def checked(profile: Path) -> tuple[int, str]:
    ran = frontdoor("profile", "check", "--profile", str(profile), env={**os.environ, "COLUMNS": "300"})
    return ran.returncode, ran.stdout + ran.stderr


def test_the_demo_profile_with_all_its_forms_passes() -> None:
    code, output = checked(DEMO_PROFILE)
    assert code == 0, output


def test_a_guide_linking_a_missing_form_fails_the_check_naming_guide_and_link(tmp_path: Path) -> None:
    profile = Path(shutil.copytree(DEMO_PROFILE, tmp_path / "profile"))
    guide = profile / "policies" / "dibao.md"
    guide.write_text(guide.read_text(encoding="utf-8") + "\n表格下载：[收入申报表](forms/income_statement.pdf)\n",
                     encoding="utf-8")

    code, output = checked(profile)

    assert code == 1
    assert "dibao.md" in output
    assert "forms/income_statement.pdf" in output


def test_a_form_linked_outside_the_forms_folder_fails_even_when_the_file_exists(tmp_path: Path) -> None:
    profile = Path(shutil.copytree(DEMO_PROFILE, tmp_path / "profile"))
    guide = profile / "policies" / "senior_card.md"
    guide.write_text(guide.read_text(encoding="utf-8").replace("(forms/senior_card_application.pdf)",
                                                               "(forms/../dibao.md)"), encoding="utf-8")

    code, output = checked(profile)

    assert code == 1
    assert "forms/../dibao.md" in output


def test_a_link_to_a_web_address_is_not_a_form_of_the_profile(tmp_path: Path) -> None:
    profile = Path(shutil.copytree(DEMO_PROFILE, tmp_path / "profile"))
    guide = profile / "policies" / "legal_aid.md"
    guide.write_text(guide.read_text(encoding="utf-8") + "\n在线申请：[12348法网](https://www.12348.gov.cn/)\n",
                     encoding="utf-8")

    code, output = checked(profile)

    assert code == 0, output
