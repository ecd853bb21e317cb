"""Reading levels: measured on what the patient reads, held to each kind's limit, gated by ``check --strict``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_project

from handoutpress import Selection, check
from handoutpress.cli import main
from handoutpress.feedback import reading_table
from handoutpress.kinds import KIND_SPECS
from handoutpress.load import load_project
from handoutpress.paths import ProjectPaths
from handoutpress.plan import plan
from handoutpress.readability import FORMULAS, Measurer, english_syllables, formula_for, read_documents, sentences, spanish_syllables

EASY = [
    "You can go home the same day.",
    "Rest for a day.",
    "Call us if your back hurts more.",
]
HARD = (
    "Postprocedural immobilization necessitates considerable cooperation, particularly regarding "
    "individualized rehabilitation, medication administration and comprehensive documentation."
)


def procedure_yaml(recovery: list[str], extra: str = "", procedure_id: str = "plain-test") -> str:
    items = "".join(f"          - {json.dumps(item)}\n" for item in recovery)
    return f"""id: {procedure_id}
lang: en
title: Plain test
name_in_sentence: the plain test
tagline: A fixture for reading levels.
specialty: testing
review:
  reviewed_by: Test fixture
  reviewed_on: 2026-11-01
  next_review: 2027-11-01
  status: reviewed
  source: Test text only
sections:
  - role: about
    blocks:
      - paragraph: You have a test. It is short.
  - role: risks
    blocks:
      - bullets: [A small bruise]
  - role: recovery
    title: Going home
    blocks:
      - bullets:
{items}  - role: warning_signs
    blocks:
      - paragraph: "Call (555) 010-2000 at any time."
      - practice_text: after-hours
practice_defaults:
  after-hours: {json.dumps(HARD)}
{extra}"""


@pytest.fixture
def plain_project(tmp_path) -> Path:
    project = make_project(tmp_path / "project", practices=("riverbend-spine",))
    folder = project / "content/procedures/plain-test"
    folder.mkdir()
    (folder / "en.yaml").write_text(procedure_yaml(EASY))
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace("offers:\n", "offers:\n  - procedure: plain-test\n", 1))
    return project


ONLY = Selection(procedures=("plain-test",))


def discharge_reading(project: Path):
    jobs = [job for job in plan(load_project(ProjectPaths.at(project)), ONLY) if job.kind == "discharge"]
    (reading,) = read_documents(jobs)
    return reading


def test_the_grade_is_of_the_procedures_own_sentences_without_phone_numbers_or_practice_wording(plain_project):
    reading = discharge_reading(plain_project)
    read = [*EASY, "Call at any time."]
    assert [s.text for s in reading.sentences] == read
    words = " ".join(read).replace(".", "").split()
    syllables = sum(english_syllables(word) for word in words)
    assert reading.score == round(0.39 * len(words) / len(read) + 11.8 * syllables / len(words) - 15.59, 1)
    assert reading.limit == KIND_SPECS["discharge"].reading.grade == 6
    assert reading.passes(reading.score) and not reading.failing_sections()


def test_a_list_item_or_a_line_without_a_full_stop_is_one_sentence():
    assert sentences("order blood tests") == ["order blood tests."]
    assert sentences("Be sure to tell your doctor:") == ["Be sure to tell your doctor."]
    assert sentences("**Stop** eating. Drink *clear* liquids! Ask us?") == ["Stop eating.", "Drink clear liquids!", "Ask us?"]
    assert sentences("Bring your glasses\nBring your list") == ["Bring your glasses.", "Bring your list."]
    assert sentences("Take 0.5 mg at 7 a.m. each day. Él viene. Ella no.") == ["Take 0.5 mg at 7 a.m. each day.", "Él viene.", "Ella no."]


def test_syllables_are_counted_by_vowel_groups():
    assert [english_syllables(w) for w in ("medicine", "cataract", "colonoscopy", "bed", "shaved", "the")] == [3, 3, 5, 1, 1, 1]
    assert [spanish_syllables(w) for w in ("día", "área", "medicina", "hielo", "leer")] == [2, 3, 4, 2, 2]


def test_a_checklist_of_short_items_reads_as_easy(plain_project):
    items = ["Your ID", "Your glasses", "Your list", "A book", "Warm socks", "Your phone", "Your keys"]
    (plain_project / "content/procedures/plain-test/en.yaml").write_text(procedure_yaml(items))
    reading = discharge_reading(plain_project)
    assert reading.passes(reading.score) and not reading.failing_sections(), reading.score


def test_a_document_above_its_limit_fails_check_strict_naming_file_section_and_sentences(plain_project):
    (plain_project / "content/procedures/plain-test/en.yaml").write_text(procedure_yaml([*EASY, HARD]))
    lenient = check(plain_project, ONLY, typeset=False)
    assert lenient.ok
    over = [error.describe(plain_project) for error in lenient.plain.over_limit]
    assert any(e.startswith("content/procedures/plain-test/en.yaml: line ") and "section 'Going home' reads at grade" in e for e in over), over
    assert any("the discharge (en) reads at grade" in e and "above the limit of 6" in e for e in over), over
    assert all(HARD[:40] in e for e in over)

    strict = check(plain_project, ONLY, typeset=False, strict=True)
    assert not strict.ok
    errors = [error.describe(plain_project) for error in strict.errors]
    assert set(over) <= set(errors)
    line = next(e for e in errors if "section 'Going home'" in e).split(": ")[1]
    text = (plain_project / "content/procedures/plain-test/en.yaml").read_text().splitlines()
    assert text[int(line.split()[1]) - 1].strip() == "- role: recovery"


def test_the_cli_prints_the_table_and_strict_exits_1(plain_project, tmp_path):
    (plain_project / "content/procedures/plain-test/en.yaml").write_text(procedure_yaml([*EASY, HARD]))
    arguments = ["check", "--root", str(plain_project), "--no-typeset", "-p", "plain-test", "--report", str(tmp_path / "r.json")]
    lenient = CliRunner().invoke(main, arguments)
    assert lenient.exit_code == 0, lenient.output
    assert "plain-test           discharge    en     grade" in lenient.stdout
    assert "section 'Going home': grade" in lenient.stdout
    assert "WARNING content/procedures/plain-test/en.yaml: line" in lenient.stderr
    assert "WARNING" not in lenient.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    discharge = next(r for r in report["readability"] if r["kind"] == "discharge")
    assert discharge["formula"] == "Flesch-Kincaid grade" and discharge["limit"] == 6 and discharge["passes"] is False
    assert [s["title"] for s in discharge["sections"] if not s["passes"]] == ["Going home"]

    strict = CliRunner().invoke(main, [*arguments, "--strict"])
    assert strict.exit_code == 1
    assert "ERROR  content/procedures/plain-test/en.yaml: line" in strict.output


def test_a_practice_may_relax_its_procedures_limit_for_what_it_offers(plain_project):
    (plain_project / "content/procedures/plain-test/en.yaml").write_text(
        procedure_yaml([*EASY, HARD], extra="reading_limits:\n  discharge: {grade: 2}\n  brochure: {grade: 18}\n")
    )
    assert not check(plain_project, ONLY, typeset=False, strict=True).ok
    practice = plain_project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text() + "reading_limits:\n  discharge: {grade: 18}\n")
    report = check(plain_project, ONLY, typeset=False, strict=True)
    assert report.ok, [e.describe(plain_project) for e in report.errors]


def test_a_procedure_may_relax_its_limit_and_a_practice_tighten_it(plain_project):
    file = plain_project / "content/procedures/plain-test/en.yaml"
    file.write_text(procedure_yaml([*EASY, HARD], extra="reading_limits:\n  discharge: {grade: 18}\n  brochure: {grade: 18}\n"))
    assert check(plain_project, ONLY, typeset=False, strict=True).ok

    practice = plain_project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text() + "reading_limits:\n  discharge: {grade: 10}\n")
    errors = [e.describe(plain_project) for e in check(plain_project, ONLY, typeset=False, strict=True).errors]
    assert errors and all("the limit of 10 that riverbend-spine sets (reading_limits)" in e for e in errors), errors
    assert all("in the discharge (en)" in e or "the discharge (en) reads" in e for e in errors), errors


def test_the_procedures_name_and_printed_definitions_count_as_one_syllable_a_word(plain_project):
    file = plain_project / "content/procedures/plain-test/en.yaml"
    sentence = "The doctor checks the intraocular lens (IOL) after vertebroplasty."
    file.write_text(procedure_yaml([sentence]))
    as_written = discharge_reading(plain_project)
    assert as_written.score == as_written.unadjusted
    named = procedure_yaml([sentence]).replace("title: Plain test", "title: Vertebroplasty")
    defined = named.replace(
        "      - practice_text: after-hours\n",
        "      - practice_text: after-hours\n      - definition: {term: intraocular lens (IOL), meaning: A new lens.}\n",
    )
    file.write_text(named)
    one = discharge_reading(plain_project)
    file.write_text(defined)
    both = discharge_reading(plain_project)
    assert both.score < one.score < one.unadjusted
    assert [s.words for s in both.sentences][0] == [s.words for s in as_written.sentences][0]  # words kept, syllables eased


def test_spanish_has_an_ease_score_and_other_languages_say_there_is_no_formula():
    spanish = formula_for("es")
    assert spanish.scale == "ease" and spanish.name == "Fernández-Huerta ease"
    assert KIND_SPECS["discharge"].reading.ease == 80 and KIND_SPECS["consent"].reading.ease == 70
    from handoutpress.readability import Reading, Sentence

    found = tuple(Sentence(text, (), len(text.split())) for text in ("Usted puede ir a casa hoy.", "Descanse un día."))
    measured = spanish.score(Measurer().counts(spanish, found))
    assert 80 < measured <= 120
    easy = Reading("x", "es", "discharge", Path("x"), spanish, measured, 80)
    assert easy.passes(measured) and not easy.passes(79) and easy.passes(81)  # an ease score must stay at or above
    assert FORMULAS["en"].scale == "grade" and Reading("x", "en", "discharge", Path("x"), FORMULAS["en"], 5, 6).passes(7) is False
    assert formula_for("en-GB").name == "Flesch-Kincaid grade"
    assert formula_for("vi") is None and formula_for("zh-Hans") is None


def test_the_table_says_when_a_language_has_no_formula(plain_project):
    reading = discharge_reading(plain_project)
    from dataclasses import replace

    unmeasured = replace(reading, lang="vi", formula=None, score=None, limit=None, figures={})
    (line,) = [line for line in reading_table([unmeasured]) if line.startswith("plain-test")]
    assert "no validated formula for 'vi'" in line


def test_check_of_a_procedure_no_practice_offers_yet_measures_and_lints_it(plain_project):
    practice = plain_project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text().replace("  - procedure: plain-test\n", "", 1))
    (plain_project / "content/procedures/plain-test/en.yaml").write_text(procedure_yaml([*EASY, "The bandage is removed."]))
    report = check(plain_project, ONLY, typeset=False)
    assert not report.jobs
    assert {(r.procedure, r.kind) for r in report.plain.readings} == {("plain-test", kind) for kind in ("brochure", "discharge")}
    assert any("passive voice: 'is removed'" in f.describe() for f in report.plain.findings)


def test_a_kind_with_only_practice_wording_has_no_grade_and_the_table_says_so(plain_project):
    text = procedure_yaml(EASY)
    text = text.replace("      - bullets:\n" + "".join(f"          - {json.dumps(item)}\n" for item in EASY), "      - practice_text: after-hours\n")
    text = text.replace('      - paragraph: "Call (555) 010-2000 at any time."\n', "")
    (plain_project / "content/procedures/plain-test/en.yaml").write_text(text)
    only_discharge = Selection(procedures=("plain-test",), kinds=("discharge",))
    (reading,) = check(plain_project, only_discharge, typeset=False).plain.readings
    assert reading.score is None and not reading.sentences
    result = CliRunner().invoke(main, ["check", "--root", str(plain_project), "--no-typeset", "-p", "plain-test", "-k", "discharge", "--strict"])
    assert result.exit_code == 0, result.output
    assert "no text of its own" in result.stdout
