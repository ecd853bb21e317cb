"""Translations stay in step with their English: stale and missing texts are listed by check, printed with a
notice, refused by --release; stamp records the English; PO files go to a translator and come back without loss."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po, write_po
from click.testing import CliRunner
from conftest import add_language, make_project
from pdfs import pdf_text

from handoutpress import Selection, build
from handoutpress.cli import main
from handoutpress.load import FieldLines, load_procedure, load_project, read_yaml
from handoutpress.paths import ProjectPaths
from handoutpress.plan import plan
from handoutpress.translations import Translations, dotted, text_hash

AS_OF = date(2027, 1, 1)
NOTICE = "Translation out of date"
TINY = """\
# A small procedure for the translation tests.
id: tiny
lang: en
title: Tiny
name_in_sentence: a tiny test
tagline: A fixture for the translation tests.
specialty: testing
review:
  reviewed_by: Test fixture
  reviewed_on: 2026-11-01
  next_review: 2027-11-01
  status: reviewed
  source: Not a source; test text only
sections:
  - role: about
    blocks:
      - paragraph: About text for the test.
  - role: preparation
    blocks:
      - checklist: [Preparation item]
      - practice_text: arrival
  - role: steps
    blocks:
      - steps: [First step]
  - role: recovery
    blocks:
      - timeline: [{when: Day one, what: [Recovery text.]}]
  - role: risks
    blocks:
      - bullets: [A risk you should know.]
      - callout: {tone: important, text: Read this first.}
  - role: warning_signs
    blocks:
      - bullets: [A warning sign]
practice_defaults:
  arrival: Your care team will tell you when to arrive.
"""
ENGLISH_TEXTS = 13  # title, name, tagline, specialty, 8 in the sections (the callout among them), the slot's default


def spanish(english: str) -> str:
    """A "translation" of the tiny procedure: every text marked, the shape and review as they are."""
    data = yaml.safe_load(english)

    def mark(value, key=None):
        if isinstance(value, dict):
            return {k: v if k in ("role", "tone", "practice_text") else mark(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(item) for item in value]
        return f"ES {value}" if isinstance(value, str) else value

    translated = {key: mark(value) if key in ("title", "name_in_sentence", "tagline", "specialty", "sections", "practice_defaults") else value
                  for key, value in data.items()}
    translated = {"id": "tiny", "lang": "es", "translated_from": "en", **{k: v for k, v in translated.items() if k not in ("id", "lang")}}
    return "# Tiny in Spanish, for the tests.\n" + yaml.safe_dump(translated, allow_unicode=True, sort_keys=False)


@pytest.fixture
def project(tmp_path) -> Path:
    """One practice offering tiny in English and Spanish; the Spanish and its interface wording stamped current."""
    project = make_project(tmp_path / "project", practices=("riverbend-spine",))
    folder = project / "content/procedures/tiny"
    folder.mkdir()
    (folder / "en.yaml").write_text(TINY, encoding="utf-8")
    (folder / "es.yaml").write_text(spanish(TINY), encoding="utf-8")
    practice = project / "content/practices/riverbend-spine.yaml"
    practice.write_text(practice.read_text(encoding="utf-8") + "  - procedure: tiny\n", encoding="utf-8")
    add_language(practice, "es")
    shutil.copy(project / "templates/i18n/en.yaml", project / "templates/i18n/es.yaml")
    run(project, "translations", "stamp", "--all")
    return project


def run(project: Path, *args: str):
    """The command line on *project*: ``--root`` goes after the command (``translations stamp``) it belongs to."""
    where = 2 if args[0] == "translations" else 1
    return CliRunner().invoke(main, [*args[:where], "--root", str(project), *args[where:]], catch_exceptions=False)


def states(project: Path, key=("tiny", "es")) -> dict[str, str]:
    """Each text's state that is not current, by field path."""
    pairing = Translations.of(load_project(ProjectPaths.at(project))).procedures[key]
    return {dotted(text.path): text.state for text in pairing.texts if text.state != "current"}


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert old in text, old
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def translation_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(("STALE ", "MISSING ", "ERROR  stale", "ERROR  missing"))]


def line_of(file: Path, path: tuple) -> int:
    return FieldLines(file).line(path)


# --- what counts as a change ---------------------------------------------------------------------


def test_the_hash_is_of_the_words_only():
    assert text_hash("Take  one\n   pill.") == text_hash("Take one pill.") == text_hash(" Take one pill. ")
    assert text_hash("caf\u00e9") == text_hash("cafe\u0301")  # the same letters, composed or not
    assert text_hash("Take one pill.") != text_hash("Take two pills.")
    assert len(text_hash("x")) == 12 and set(text_hash("x")) <= set("0123456789abcdef")


def test_a_stamped_translation_is_current_and_check_lists_nothing_for_it(project):
    assert states(project) == {}
    es = yaml.safe_load((project / "content/procedures/tiny/es.yaml").read_text(encoding="utf-8"))
    assert len(es["source_hashes"]) == ENGLISH_TEXTS
    result = run(project, "check", "-p", "tiny", "--no-typeset", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    assert translation_lines(result.stdout) == []


def test_reformatting_or_commenting_the_english_changes_nothing(project):
    english = project / "content/procedures/tiny/en.yaml"
    edit(english, "      - paragraph: About text for the test.", "      # the opening\n      - paragraph: >-\n          About   text\n          for the test.")
    edit(english, "title: Tiny", 'title: "Tiny"  # quoted now')
    edit(english, "      - bullets: [A warning sign]", "      - bullets:\n          - A warning sign")
    assert states(project) == {}


def test_editing_an_english_sentence_makes_its_translation_stale_in_the_kinds_that_print_it(project):
    edit(project / "content/procedures/tiny/en.yaml", "A risk you should know.", "A risk you must know.")
    path = "sections[4].blocks[0].bullets[0]"
    assert states(project) == {path: "stale"}
    result = run(project, "check", "-p", "tiny", "--no-typeset", "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    line = line_of(project / "content/procedures/tiny/es.yaml", ("sections", 4, "blocks", 0, "bullets", 0))
    assert translation_lines(result.stdout) == [
        f"STALE   tiny {kind} es: content/procedures/tiny/es.yaml: 1 stale: line {line}: {path} (stale)"
        for kind in ("brochure", "consent")  # the kinds whose recipe has the risks
    ]
    assert "; 2 translations out of date or missing (procedure x kind x language)" in result.stdout


def test_a_bullet_added_to_the_english_is_missing_from_the_translation(project):
    english = project / "content/procedures/tiny/en.yaml"
    edit(english, "[A warning sign]", "[A warning sign, Another warning sign]")
    edit(english, "tone: important", "tone: warning")  # a callout of another tone is not the same text
    assert states(project) == {"sections[4].blocks[1].callout.text": "missing", "sections[5].blocks[0].bullets[1]": "missing"}
    result = run(project, "check", "-p", "tiny", "-k", "discharge", "--no-typeset", "--as-of", AS_OF.isoformat())
    line = line_of(english, ("sections", 5, "blocks", 0, "bullets", 1))
    assert translation_lines(result.stdout) == [
        f"MISSING tiny discharge es: content/procedures/tiny/es.yaml: 1 missing: en.yaml line {line}: sections[5].blocks[0].bullets[1] (missing)"
    ]


def test_check_lists_a_procedure_that_lacks_a_language_others_have_without_failing_release(project):
    result = run(project, "check", "-p", "kyphoplasty", "-k", "consent", "--no-typeset", "--as-of", AS_OF.isoformat(), "--release")
    assert translation_lines(result.stdout) == [
        "MISSING kyphoplasty consent es: content/procedures/kyphoplasty/es.yaml: "
        f"no translation of en.yaml ({len(states_of_absent(project))} texts); es is written for tiny"
    ]
    assert result.exit_code == 0, result.output  # nothing prints it, so there is nothing to refuse


def states_of_absent(project: Path) -> list:
    (absent,) = [p for p in Translations.of(load_project(ProjectPaths.at(project))).absent if p.subject == "kyphoplasty"]
    return [text for text in absent.texts if "consent" in text.kinds]


def test_check_report_records_each_stale_text(project, tmp_path):
    edit(project / "content/procedures/tiny/en.yaml", "First step", "The first step")
    report = tmp_path / "report.json"
    run(project, "check", "-p", "tiny", "-k", "consent", "--no-typeset", "--as-of", AS_OF.isoformat(), "--report", str(report))
    (record,) = json.loads(report.read_text())["translations"]
    assert {key: record[key] for key in ("subject", "kind", "lang", "file", "exists", "stale", "missing")} == {
        "subject": "tiny", "kind": "consent", "lang": "es", "file": "content/procedures/tiny/es.yaml", "exists": True, "stale": 1, "missing": 0,
    }
    assert record["texts"] == [{
        "field": "sections[2].blocks[0].steps[0]", "state": "stale", "why": "the English changed since it was translated",
        "file": "content/procedures/tiny/es.yaml", "line": line_of(project / "content/procedures/tiny/es.yaml", ("sections", 2, "blocks", 0, "steps", 0)),
    }]


# --- release and the notice on the page ---------------------------------------------------------


def test_release_refuses_a_stale_translation_naming_the_file_and_fields_and_builds_the_rest(project):
    edit(project / "content/procedures/tiny/en.yaml", "Preparation item", "Preparation item now changed")
    refused = run(project, "check", "-p", "tiny", "-k", "preparation", "--no-typeset", "--as-of", AS_OF.isoformat(), "--release")
    assert refused.exit_code == 1, refused.output
    assert [line for line in refused.stderr.splitlines() if line.startswith("ERROR  stale")] == [
        "ERROR  stale translation: tiny preparation es: content/procedures/tiny/es.yaml: 1 stale: "
        f"line {line_of(project / 'content/procedures/tiny/es.yaml', ('sections', 1, 'blocks', 0, 'checklist', 0))}: "
        "sections[1].blocks[0].checklist[0] (stale); --release builds only translations that are current with their English"
    ]
    out = project / "out"
    result = run(project, "build", "-p", "tiny", "-k", "preparation", "--out", str(out), "--as-of", AS_OF.isoformat(), "--release")
    assert result.exit_code == 1
    (failed,) = [line for line in result.stderr.splitlines() if line.startswith("FAILED ")]
    assert failed == (
        "FAILED riverbend-spine/es/tiny-preparation.pdf: content/procedures/tiny/es.yaml: translation out of date: "
        "sections[1].blocks[0].checklist[0] (stale); --release builds only translations that are current with their English"
    )
    assert (out / "riverbend-spine/en/tiny-preparation.pdf").is_file()
    assert not (out / "riverbend-spine/es/tiny-preparation.pdf").exists()
    allowed = run(project, "build", "-p", "tiny", "-k", "preparation", "--out", str(out), "--as-of", AS_OF.isoformat(), "--allow-stale")
    assert allowed.exit_code == 0, allowed.output
    assert "1 built, 1 up to date" in allowed.output and "1 with a translation out of date (0 printing the notice)" in allowed.output
    assert NOTICE not in pdf_text(out / "riverbend-spine/es/tiny-preparation.pdf")


def test_a_stale_translation_prints_the_notice_unless_allowed_and_is_rebuilt_when_that_changes(project):
    out = project / "out"
    selection = Selection(("tiny",), kinds=("preparation",), langs=("es",))
    pdf = out / "riverbend-spine/es/tiny-preparation.pdf"

    def made(**options) -> tuple[int, dict]:
        report = build(project, selection, out, as_of=AS_OF, **options)
        assert report.ok, [error.describe() for error in report.failures]
        entry = next(e for e in json.loads((out / "manifest.json").read_text())["documents"] if e["path"].endswith("es/tiny-preparation.pdf"))
        return len(report.built), {"translation": entry["translation"], "stale_notice": entry["stale_notice"]}

    assert made() == (1, {"translation": "current", "stale_notice": False})
    assert NOTICE not in pdf_text(pdf) and "ES Preparation item" in pdf_text(pdf)
    edit(project / "content/procedures/tiny/en.yaml", "Your care team will tell you", "Your care team tells you")  # the arrival default
    assert made() == (1, {"translation": "out of date", "stale_notice": True})
    assert NOTICE in pdf_text(pdf)
    assert made() == (0, {"translation": "out of date", "stale_notice": True})
    assert made(allow_stale=True) == (1, {"translation": "out of date", "stale_notice": False})
    assert NOTICE not in pdf_text(pdf)
    run(project, "translations", "stamp", str(project / "content/procedures/tiny/es.yaml"))
    assert made() == (1, {"translation": "current", "stale_notice": False})
    assert NOTICE not in pdf_text(pdf)


def test_stale_interface_wording_marks_only_the_kinds_that_print_it(project):
    edit(project / "templates/i18n/en.yaml", "I have read this summary", "I have read all of this summary")
    loaded = load_project(ProjectPaths.at(project))
    jobs = plan(loaded, Selection(("tiny",), langs=("es",)), AS_OF, Translations.of(loaded))
    assert {job.kind: job.review.stale_notice for job in jobs} == {"brochure": False, "preparation": False, "consent": True, "discharge": False}
    result = run(project, "check", "-p", "tiny", "--no-typeset", "--as-of", AS_OF.isoformat())
    line = line_of(project / "templates/i18n/es.yaml", ("consent", "statement"))
    assert translation_lines(result.stdout) == [
        f"STALE   interface wording consent es: templates/i18n/es.yaml: 1 stale: line {line}: consent.statement (stale)"
    ]
    # the templates never see the bookkeeping
    assert "source_hashes" not in (project / "templates/i18n/en.yaml").read_text(encoding="utf-8")


# --- stamp ----------------------------------------------------------------------------------


def test_stamp_rewrites_only_the_hashes_and_leaves_every_other_byte(project):
    file = project / "content/procedures/tiny/es.yaml"
    body = file.read_text(encoding="utf-8").split("source_hashes:")[0]
    # Moved into the middle, with comments and Windows line endings around it: only its own lines change.
    hashes = "source_hashes:" + file.read_text(encoding="utf-8").split("source_hashes:")[1]
    head, tail = body.split("sections:", 1)
    messy = (head + "# before the hashes\n" + hashes.replace('"', "'") + "# after the hashes\nsections:" + tail).replace("\n", "\r\n")
    file.write_bytes(b"\xef\xbb\xbf" + messy.encode("utf-8"))
    edit(project / "content/procedures/tiny/en.yaml", "Read this first.", "Read this before anything else.")
    assert states(project) == {"sections[4].blocks[1].callout.text": "stale"}
    result = run(project, "translations", "stamp", str(project / "content/procedures/tiny/es.yaml"))
    assert result.exit_code == 0 and "13 texts current, 1 of them stale or unstamped before" in result.stdout
    assert states(project) == {}
    after = file.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf")
    text = after[3:].decode("utf-8")
    before_block, rest = text.split("source_hashes:", 1)
    assert before_block == (head + "# before the hashes\n").replace("\n", "\r\n")
    assert rest.split("# after the hashes\r\n", 1)[1] == ("sections:" + tail).replace("\n", "\r\n")
    assert "\r\n".join(line for line in rest.split("\r\n") if "callout" in line).count(text_hash("Read this before anything else.")) == 1


def test_stamp_refuses_what_is_not_a_translation(project):
    result = run(project, "translations", "stamp", str(project / "content/procedures/tiny/en.yaml"))
    assert result.exit_code == 1
    assert "content/procedures/tiny/en.yaml: is not a translation (it names no translated_from)" in result.stderr


def test_source_hashes_are_checked_when_the_file_loads(project):
    edit(project / "content/procedures/tiny/es.yaml", "  title: ", "  title: 12345  # a number\n  other: ")
    errors = [error.describe(project) for error in load_project(ProjectPaths.at(project)).errors]
    assert any("source_hashes.title" in error and "should be text" in error for error in errors), errors
    english = project / "content/procedures/tiny/en.yaml"
    english.write_text(TINY + 'source_hashes:\n  title: "0123456789ab"\n', encoding="utf-8")
    errors = [error.describe(project) for error in load_project(ProjectPaths.at(project)).errors]
    line = english.read_text(encoding="utf-8").splitlines().index('  title: "0123456789ab"') + 1  # its first entry
    assert f"content/procedures/tiny/en.yaml: line {line}: source_hashes: only a translation" in "\n".join(errors)


# --- PO files for translators ----------------------------------------------------------------------


def export(project: Path, *args: str) -> Path:
    result = run(project, "translations", "export", "--out", str(project / "po"), *args)
    assert result.exit_code == 0, result.output
    return project / "po"


def edit_po(po: Path, change) -> None:
    with po.open("rb") as stream:
        catalog = read_po(stream)
    for message in list(catalog)[1:]:
        change(message)
    with po.open("wb") as stream:
        write_po(stream, catalog)


def test_export_then_import_gives_the_same_data_and_hashes(project):
    english = project / "content/procedures/tiny/en.yaml"
    edit(english, "About text for the test.", "About the test.")  # one stale text: it goes out fuzzy and comes back stale
    es, wording = project / "content/procedures/tiny/es.yaml", project / "templates/i18n/es.yaml"
    before = (load_procedure(es).data, read_yaml(wording)[0])
    folder = export(project, "--lang", "es")
    assert sorted(p.name for p in (folder / "es").iterdir()) == ["_interface.po", "kyphoplasty.po", "tiny.po"]
    po = (folder / "es/tiny.po").read_text(encoding="utf-8")
    assert '#: content/procedures/tiny/en.yaml:' in po and 'msgctxt "sections[0].blocks[0].paragraph"' in po
    entry = po.split('msgctxt "sections[0].blocks[0].paragraph"')[0].rsplit("\n\n", 1)[1]
    assert "#, fuzzy" in entry and "stale: the English changed since it was translated" in entry
    for name in ("tiny.po", "_interface.po"):
        result = run(project, "translations", "import", str(folder / "es" / name))
        assert result.exit_code == 0, result.output
    assert (load_procedure(es).data, read_yaml(wording)[0]) == before
    assert states(project) == {"sections[0].blocks[0].paragraph": "stale"}
    assert load_project(ProjectPaths.at(project)).errors == []
    text = es.read_text(encoding="utf-8")
    assert text.startswith("# Tiny in Spanish, for the tests.\n") and text.index("title:") < text.index("sections:") < text.index("source_hashes:")


def test_importing_an_edited_po_updates_exactly_those_texts_and_makes_them_current(project):
    english = project / "content/procedures/tiny/en.yaml"
    edit(english, "[A warning sign]", "[A warning sign, Fever]")
    edit(english, "First step", "The first step")
    assert states(project) == {"sections[2].blocks[0].steps[0]": "stale", "sections[5].blocks[0].bullets[1]": "missing"}
    before = load_procedure(project / "content/procedures/tiny/es.yaml").data
    po = export(project, "--lang", "es", "-p", "tiny") / "es/tiny.po"

    def translate(message):
        if message.context == "sections[2].blocks[0].steps[0]":
            message.string, message.flags = "El primer paso", set()
        elif message.context == "sections[5].blocks[0].bullets[1]":
            assert message.string == "" and not message.fuzzy
            message.string = "Fiebre"

    edit_po(po, translate)
    result = run(project, "translations", "import", str(po))
    assert result.exit_code == 0, result.output
    assert "updated content/procedures/tiny/es.yaml" in result.stdout and "14 texts, 14 current" in result.stdout
    assert states(project) == {}
    after = load_procedure(project / "content/procedures/tiny/es.yaml").data
    assert after.sections[2].blocks[0].steps == ["El primer paso"]
    assert after.sections[5].blocks[0].bullets == ["ES A warning sign", "Fiebre"]
    unchanged = {"sections": None, "source_hashes": None}
    assert after.model_dump(exclude=set(unchanged)) == before.model_dump(exclude=set(unchanged))
    assert [s for i, s in enumerate(after.sections) if i not in (2, 5)] == [s for i, s in enumerate(before.sections) if i not in (2, 5)]


def test_a_po_translated_from_older_english_comes_in_stale(project):
    po = export(project, "--lang", "es", "-p", "tiny") / "es/tiny.po"
    edit(project / "content/procedures/tiny/en.yaml", "Day one", "The first day")
    edit_po(po, lambda message: setattr(message, "string", "ES El día uno") if message.context.endswith(".when") else None)
    result = run(project, "translations", "import", str(po))
    assert result.exit_code == 0 and "1 stale (translated from English that has changed since)" in result.stdout
    assert states(project) == {"sections[3].blocks[0].timeline[0].when": "stale"}


def test_importing_a_new_language_creates_a_draft_that_loads(project):
    folder = export(project, "--lang", "fr")
    tiny = folder / "fr/tiny.po"
    edit_po(tiny, lambda message: setattr(message, "string", "Minuscule") if message.context == "title" else None)
    edit_po(folder / "fr/_interface.po", lambda message: setattr(message, "string", "Page") if message.context == "footer.page" else None)
    result = run(project, "translations", "import", str(tiny), str(folder / "fr/_interface.po"))
    assert result.exit_code == 0, result.output
    assert "created content/procedures/tiny/fr.yaml" in result.stdout and "1 current" in result.stdout
    loaded = load_project(ProjectPaths.at(project))
    assert loaded.errors == []
    french = loaded.procedures[("tiny", "fr")]
    assert (french.data.title, french.data.translated_from, french.data.review.status) == ("Minuscule", "en", "draft")
    assert "Not yet reviewed" in french.data.review.reviewed_by
    assert french.data.sections[0].blocks[0].paragraph == "About text for the test."  # untranslated: the English holds the place
    assert set(states(project, ("tiny", "fr")).values()) == {"missing"} and len(states(project, ("tiny", "fr"))) == ENGLISH_TEXTS - 1
    assert read_yaml(project / "templates/i18n/fr.yaml")[0]["footer"]["page"] == "Page"


def test_a_po_that_does_not_match_the_english_is_refused_naming_its_file_and_line(project):
    po = export(project, "--lang", "es", "-p", "tiny") / "es/tiny.po"
    text = po.read_text(encoding="utf-8")
    original = (project / "content/procedures/tiny/es.yaml").read_bytes()
    po.write_text(text.replace('msgctxt "sections[5].blocks[0].bullets[0]"', 'msgctxt "sections[9].blocks[0].bullets[0]"'), encoding="utf-8")
    line = next(n for n, l in enumerate(po.read_text(encoding="utf-8").splitlines(), 1) if l.startswith('msgctxt "sections[9]')) + 1
    result = run(project, "translations", "import", str(po))
    assert result.exit_code == 1
    assert f"tiny.po: line {line}: msgctxt 'sections[9].blocks[0].bullets[0]' is not a text of en.yaml; did you mean 'sections[5].blocks[0].bullets[0]'?" in result.stderr
    assert (project / "content/procedures/tiny/es.yaml").read_bytes() == original

    po.write_text(text.replace("Project-Id-Version: content/procedures/tiny/en.yaml", "Project-Id-Version: my project"), encoding="utf-8")
    result = run(project, "translations", "import", str(po))
    assert result.exit_code == 1 and "tiny.po: its Project-Id-Version (my project) must name the file it was exported from" in result.stderr

    po.write_text(text.replace('msgid ""\nmsgstr ""', 'msgid ""\nmsgstr ""\nbroken', 1), encoding="utf-8")
    result = run(project, "translations", "import", str(po))
    assert result.exit_code == 1 and "tiny.po: is not a PO file Babel can read" in result.stderr


def test_a_translation_must_keep_the_placeholders_of_the_interface_wording(project):
    po = export(project, "--lang", "es") / "es/_interface.po"
    edit_po(po, lambda message: setattr(message, "string", "¿Qué es?") if message.context == "roles.about" else None)
    result = run(project, "translations", "import", str(po))
    assert result.exit_code == 1
    assert "_interface.po: line " in result.stderr and "roles.about: the translation must keep {procedure} as the English has it (it has none)" in result.stderr
