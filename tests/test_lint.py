"""Plain-language lint: each finding names file, line and words, in content and in practice wording alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_project

from handoutpress import Selection, check
from handoutpress.lint import lint_text
from handoutpress.readability import sentences

NO_JARGON: dict[str, str] = {}


def rules(text: str, jargon: dict[str, str] = NO_JARGON) -> list[str]:
    return [rule for rule, _ in lint_text(text, jargon)]


@pytest.mark.parametrize(
    "text, rule, words",
    [
        ("The balloon is removed.", "passive voice", "'is removed'"),
        ("You will be given a leaflet.", "passive voice", "'be given'"),
        ("Take one tablet q.d. with water.", "misread number", "'q.d.'"),
        ("Take 1.0 mg each morning.", "misread number", "'1.0'"),
        ("Take .5 mg each morning.", "misread number", "'.5'"),
        ("Inject 10 U before meals.", "misread number", "'U'"),
        ("Drink 30 cc of water.", "misread number", "'cc'"),
        ("DO NOT EAT after midnight.", "capitals", "'DO NOT EAT'"),
        (" ".join(["word"] * 21) + ".", "long sentence", "21 words"),
    ],
)
def test_each_rule_names_the_words(text, rule, words):
    found = [message for found_rule, message in lint_text(text, NO_JARGON) if found_rule == rule]
    assert found and words in found[0], list(lint_text(text, NO_JARGON))


@pytest.mark.parametrize(
    "text",
    [
        "The doctor removes the balloon.",
        "You may feel tired. Your spine is made of bones. This is called a biopsy.",
        "Take 0.5 mg, 1 mg or 10 mg. Call 911. An MRI and a CT scan.",
        " ".join(["word"] * 20) + ".",
    ],
)
def test_plain_writing_has_no_findings(text):
    assert rules(text) == []


def test_jargon_matches_whole_words_and_capitals_only_in_capitals():
    jargon = {"ambulate": "walk", "NPO": "nothing to eat or drink", "prior to": "before"}
    assert [m for _, m in lint_text("Ambulating helps. Stay NPO prior to surgery.", jargon)] == [
        "'Ambulating': write 'walk'",
        "'NPO': write 'nothing to eat or drink'",
        "'prior to': write 'before'",
    ]
    assert rules("The npo ward. Preambulate. Ambulatory care.", jargon) == []


@pytest.fixture
def project(tmp_path) -> Path:
    return make_project(tmp_path / "project", practices=("riverbend-spine",))


def findings(project: Path) -> list[str]:
    report = check(project, Selection(practices=("riverbend-spine",), kinds=("discharge",)), typeset=False)
    return [finding.describe(project) for finding in report.plain.findings]


def test_a_jargon_word_in_a_procedure_is_named_with_file_line_and_plain_word(project):
    file = project / "content/procedures/kyphoplasty/en.yaml"
    text = file.read_text()
    file.write_text(text.replace("Stay in bed. You may get", "Stay in bed. You may ambulate to"))
    line = next(number for number, line in enumerate(text.splitlines(), 1) if "Stay in bed. You may get" in line)
    found = [f for f in findings(project) if "jargon" in f]
    assert found == [
        f"content/procedures/kyphoplasty/en.yaml: line {line}: sections[10].blocks[1].timeline[1].what[0]: "
        "jargon: 'ambulate': write 'walk'"
    ]


def test_a_clinic_extends_the_jargon_list(project):
    file = project / "content/practices/riverbend-spine.yaml"
    text = file.read_text()
    assert "emergency: " in text
    file.write_text(text.replace("emergency: ", "emergency: Use the ED. ", 1))
    assert not [f for f in findings(project) if "'ED'" in f]
    plain = project / "content/plain-language/en.yaml"
    plain.write_text(plain.read_text() + "  ED: emergency room\n")
    found = [f for f in findings(project) if "'ED'" in f]
    assert len(found) == 1 and found[0].startswith("content/practices/riverbend-spine.yaml: line ")
    assert found[0].endswith("identity.emergency: jargon: 'ED': write 'emergency room'")


def test_findings_fail_only_a_strict_check_and_a_broken_list_names_its_file(project):
    file = project / "content/procedures/kyphoplasty/en.yaml"
    file.write_text(file.read_text().replace("Stay in bed. You may get", "STAY IN BED. You may get"))
    only = Selection(practices=("riverbend-spine",), kinds=("discharge",))
    assert check(project, only, typeset=False).ok
    strict = check(project, only, typeset=False, strict=True)
    assert any("capitals: 'STAY IN BED'" in e.describe(project) for e in strict.errors)

    (project / "content/plain-language/en.yaml").write_text("jargon: [ambulate]\n")
    errors = [e.describe(project) for e in check(project, only, typeset=False).errors]
    assert any(e.startswith("content/plain-language/en.yaml: is not a jargon list") for e in errors), errors


def test_arabic_and_chinese_sentences_end_at_their_own_stops():
    arabic = "تقع العدسة خلف الجزء الملوّن من عينك (القزحية). وهي تُركّز الضوء. هل أنت بخير؟ نعم"
    assert sentences(arabic) == ["تقع العدسة خلف الجزء الملوّن من عينك (القزحية).", "وهي تُركّز الضوء.", "هل أنت بخير؟", "نعم."]
    assert sentences("请在手术前6小时停止进食。服用药物！可以吗？") == ["请在手术前6小时停止进食。", "服用药物！", "可以吗？"]
    assert sentences("Take it at 2 p.m. today. Then rest.") == ["Take it at 2 p.m. today.", "Then rest."]


def test_the_longest_sentence_is_the_languages_own():
    """Vietnamese writes each syllable apart; Chinese does not write words apart, so they are not counted."""
    vietnamese = " ".join(["bạn"] * 25) + "."
    assert not [rule for rule, _ in lint_text(vietnamese, {}, lang="vi") if rule == "long sentence"]
    assert [rule for rule, _ in lint_text(" ".join(["bạn"] * 31) + ".", {}, lang="vi") if rule == "long sentence"]
    assert [rule for rule, _ in lint_text(" ".join(["word"] * 25) + ".", {}, lang="en") if rule == "long sentence"]
    assert not list(lint_text("请" * 200 + "。", {}, lang="zh-Hans"))
