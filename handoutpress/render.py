"""Stage 3, render: a planned document to HTML, through Jinja2.

Templates run in Jinja's sandbox with autoescaping and ``StrictUndefined``: a
practice's template overrides are as untrusted as its content, and a missing
variable must be an error rather than a silent gap in a patient's handout.
Each practice sees ``templates/practices/<slug>/`` before the default
``templates/``, so it can shadow any file; ``default/<name>`` always names the
shared file, so an override can extend it and replace a single block.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
import markupsafe
from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
import jinja2.bccache
import jinja2.meta
import jinja2.nodes

from .bidi import isolate_ltr_runs
from .context import Record, get_context, plain
from .errors import ContentError, PressError, TemplateError
from .kinds import KIND_SPECS
from .languages import language_spec
from .load import decode_utf8
from .localize import localized
from .markup import inline
from .models import LoadedPractice
from .options import BuildOptions
from .paths import ProjectPaths, inside
from .plan import Job
from .sandbox import LimitedSandbox
from .translations import HASHES_KEY, read_wording

PRACTICE_STYLESHEET = "practice.css"
DEFAULT_PREFIX = "default"  # "default/brochure.html.j2" is always the shared file, even when shadowed


@dataclass(frozen=True)
class RenderedDocument:
    job: Job
    html: str
    base_url: str
    title: str
    layers: tuple[Path, ...]
    layout: str
    template_file: Path
    inputs: frozenset[Path]
    stylesheets: tuple[str, ...]
    """Shared stylesheets (file URLs, in cascade order) that the typesetter parses once and reuses."""

    def standalone_html(self) -> str:
        """The HTML with its shared stylesheets linked, so it opens styled in a browser (``--keep-html``)."""
        links = "".join(f'<link rel="stylesheet" href="{markupsafe.escape(url)}">\n' for url in self.stylesheets)
        return self.html.replace("</head>", links + "</head>", 1)


class _SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in memory, keyed by template name and source.

    The build process compiles the shared templates once before it forks
    its workers, so no worker compiles them again (0.15 s each). The file a
    template was read from is not part of the key: the same source compiles
    to the same code wherever it lies, and the code is given the file's own
    name when it is loaded, since error messages quote it. A project laid
    out afresh, or a practice whose override repeats another's, compiles
    nothing again; a changed source is compiled afresh.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def get_bucket(self, environment, name, filename, source):  # type: ignore[override]
        checksum = self.get_source_checksum(source)
        bucket = jinja2.bccache.Bucket(environment, f"{name}\0{checksum}", checksum)
        self.load_bytecode(bucket)
        if bucket.code is not None and filename is not None and bucket.code.co_filename != filename:
            bucket.code = _named(bucket.code, filename)
        return bucket

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if len(self._code) < 512:
            self._code[bucket.key] = bucket.bytecode_to_string()


def _named(code: CodeType, filename: str) -> CodeType:
    """*code* and every function compiled inside it, as if compiled from *filename*."""
    constants = tuple(_named(constant, filename) if isinstance(constant, CodeType) else constant for constant in code.co_consts)
    return code.replace(co_filename=filename, co_consts=constants)


_BYTECODE = _SharedBytecode()


class Renderer:
    """Renders jobs to HTML; keeps one Jinja environment per practice."""

    def __init__(self, paths: ProjectPaths, options: BuildOptions = BuildOptions()):
        self.paths = paths
        self.options = options
        self._environments: dict[str, LimitedSandbox] = {}
        self._strings: dict[tuple[str, str], tuple[Record, Path]] = {}
        self._template_files: dict[tuple[str, str], frozenset[Path]] = {}
        self._checked_overrides: dict[str, list[TemplateError]] = {}

    def search_path(self, slug: str) -> list[Path]:
        """Folders searched for templates and assets, the practice's own first."""
        own = self.paths.templates / "practices" / slug
        return [own, self.paths.templates] if own.is_dir() else [self.paths.templates]

    def environment(self, slug: str) -> LimitedSandbox:
        if slug not in self._environments:
            self._environments[slug] = self._environment(self.search_path(slug))
        return self._environments[slug]

    def shared_environment(self) -> LimitedSandbox:
        """An environment that sees the shared templates only, no practice's folder."""
        return self._environment([self.paths.templates])

    def _environment(self, search_path: list[Path]) -> LimitedSandbox:
        environment = LimitedSandbox(
            loader=jinja2.ChoiceLoader(
                [
                    _Utf8Loader([str(p) for p in search_path]),
                    jinja2.PrefixLoader({DEFAULT_PREFIX: _Utf8Loader(str(self.paths.templates))}),
                ]
            ),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
            bytecode_cache=_BYTECODE,
        )
        environment.add_checked_filter("month_year", _month_year)
        environment.add_checked_filter("inline", inline)
        return environment

    def find_asset(self, slug: str, name: str) -> Path | None:
        for folder in self.search_path(slug):
            candidate = folder / name
            if candidate.is_file() and inside(candidate, self.paths.templates):
                return candidate.resolve()
        return None

    def strings_and_file(self, slug: str, lang: str) -> tuple[Record, Path]:
        """The interface wording (headings, labels) for one language, and the file it came from."""
        key = (slug, lang)
        if key not in self._strings:
            file = self.find_asset(slug, f"i18n/{lang}.yaml")
            if file is None:
                raise TemplateError(
                    f"there is no interface wording for language {lang!r}; add templates/i18n/{lang}.yaml",
                    self.paths.templates / "i18n",
                )
            data = read_wording(file)
            wording = {name: value for name, value in data.items() if name != HASHES_KEY}  # bookkeeping, not wording
            self._strings[key] = (plain(wording), file)
        return self._strings[key]

    def render(self, job: Job, layout: str | None = None) -> RenderedDocument:
        """The HTML of one document; ``layout`` overrides the options' choice (a tri-fold falling back to pages)."""
        job = localized(job)
        slug = job.practice.slug
        strings, strings_file = self.strings_and_file(slug, job.lang)
        template_name = KIND_SPECS[job.kind].template
        kinds = strings["kinds"] if "kinds" in strings else None
        kind_name = kinds[job.kind] if isinstance(kinds, Record) and job.kind in kinds else None
        if not isinstance(kind_name, str):
            raise TemplateError(f"the wording needs a text for kinds.{job.kind}", strings_file, f"kinds.{job.kind}")
        options = self.options if layout is None else replace(self.options, layout=layout)
        context = get_context(job, strings, options, self.paths.templates)
        layout = context["layout"]
        title = context["document"]["title"]
        environment = self.environment(slug)
        if slug not in self._checked_overrides:
            self._checked_overrides[slug] = self.check_override_blocks(slug)
        misspelt = [e for e in self._checked_overrides[slug] if e.file and e.file.name == template_name]
        if misspelt:
            raise misspelt[0]
        environment.begin()
        try:
            template = environment.get_template(template_name)
            html = template.render(context)
        except PressError:
            raise
        except jinja2.TemplateNotFound as error:
            error.message = f"template {error.name!r} not found"
            raise _runtime_error(error, template_name, self.paths.templates) from None
        except jinja2.TemplateSyntaxError as error:
            raise _syntax_error(error, self.paths.templates) from None
        except SyntaxError as error:  # Python refused the code Jinja generated (blocks nested too deeply)
            raise TemplateError(
                f"is nested too deeply to compile ({error.msg})", self._template_source(slug, template_name)
            ) from None
        except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError, AttributeError, RecursionError) as error:
            raise _runtime_error(error, template_name, self.paths.templates) from None
        return RenderedDocument(
            job=job,
            html=_isolate_other_scripts(html, job),
            base_url=self.paths.templates.as_uri() + "/",
            title=title,
            layers=tuple(self.search_path(slug)),
            layout=layout,
            template_file=Path(template.filename or self.paths.templates / template_name),
            stylesheets=tuple(self._stylesheets(slug, job.kind)),
            inputs=self.template_files(slug, template_name)
            | {strings_file, *job.review.files, job.practice.file, job.practice.logo_path}
            | _font_files(job.practice)
            | _script_font_files(job.lang, self.paths.templates),
        )

    def _template_source(self, slug: str, name: str) -> Path:
        """The file a practice's template name resolves to: its own override, or the shared one."""
        for folder in self.search_path(slug):
            if (folder / name).is_file():
                return folder / name
        return self.paths.templates / name

    def template_files(self, slug: str, name: str) -> frozenset[Path]:
        """Every template file that rendering ``name`` for this practice reads.

        Found by following ``extends``, ``include`` and ``import`` statically, so
        that touching one partial marks exactly the documents that use it as
        out of date. A name computed at run time makes every template count.
        """
        key = (slug, name)
        if key not in self._template_files:
            environment = self.environment(slug)
            files: set[Path] = set()
            pending, seen = [name], set()
            while pending:
                current = pending.pop()
                if current in seen:
                    continue
                seen.add(current)
                try:
                    source, filename, _ = environment.loader.get_source(environment, current)
                except jinja2.TemplateNotFound:
                    continue  # only reachable from a branch that did not run, or rendering would have failed
                files.add(Path(filename).resolve())
                try:
                    parsed = environment.parse(source, current, filename)
                except jinja2.TemplateSyntaxError as error:  # only in a branch that did not run
                    raise _syntax_error(error, self.paths.templates) from None
                for referenced in jinja2.meta.find_referenced_templates(parsed):
                    if referenced is None:
                        files.update(p.resolve() for folder in self.search_path(slug) for p in folder.rglob("*.j2"))
                    else:
                        pending.append(referenced)
            self._template_files[key] = frozenset(files)
        return self._template_files[key]

    def _stylesheets(self, slug: str, kind: str) -> list[str]:
        urls = []
        for name in ("css/base.css", KIND_SPECS[kind].stylesheet, PRACTICE_STYLESHEET):
            path = self.find_asset(slug, name)
            if path is not None:
                urls.append(path.as_uri())
        return urls

    def blocks_of(self, slug: str, name: str) -> dict[str, int]:
        """Every block a template offers, its own and those of the templates it extends, with the line of each."""
        environment = self.environment(slug)
        found: dict[str, int] = {}
        seen = set()
        while name and name not in seen:
            seen.add(name)
            source, _, _ = environment.loader.get_source(environment, name)
            tree = environment.parse(source, name)
            for block in tree.find_all(jinja2.nodes.Block):
                found.setdefault(block.name, block.lineno)
            extends = tree.find(jinja2.nodes.Extends)
            name = extends.template.value if extends is not None and isinstance(extends.template, jinja2.nodes.Const) else None
        return found

    def check_override_blocks(self, slug: str) -> list[TemplateError]:
        """A practice template that extends another may only fill blocks that exist there.

        Jinja ignores a block the parent does not have, so a misspelt name
        would silently change nothing; here it is an error naming the line.
        """
        folder = self.paths.templates / "practices" / slug
        if not folder.is_dir():
            return []
        environment = self.environment(slug)
        errors = []
        for path in sorted(folder.rglob("*.j2")):
            name = path.relative_to(folder).as_posix()
            try:
                tree = environment.parse(decode_utf8(path.read_bytes(), path, TemplateError), name, str(path))
                extends = tree.find(jinja2.nodes.Extends)
                if extends is None or not isinstance(extends.template, jinja2.nodes.Const):
                    continue
                parent = extends.template.value
                offered = self.blocks_of(slug, parent)
            except (jinja2.TemplateError, OSError, ContentError, RecursionError):
                continue  # reported where the template is parsed or rendered
            for block in tree.find_all(jinja2.nodes.Block):
                if block.name not in offered:
                    close = difflib.get_close_matches(block.name, offered, n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    errors.append(TemplateError(
                        f"block {block.name!r} is not a block of {parent}{hint} (it has: {', '.join(sorted(offered))})",
                        path, f"line {block.lineno}",
                    ))
        return errors

    def check_templates(self, slug: str) -> list[TemplateError]:
        """Parse every template a practice can see, to report syntax errors early."""
        errors = self.check_override_blocks(slug)
        environment = self.environment(slug)
        for name in environment.list_templates(extensions=["j2"]):
            if name.startswith(("practices/", f"{DEFAULT_PREFIX}/")):
                continue
            try:
                environment.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                errors.append(_syntax_error(error, self.paths.templates))
            except TemplateError as error:
                errors.append(error)
            except (RecursionError, SyntaxError):
                errors.append(TemplateError("is nested too deeply to compile", self._template_source(slug, name)))
        return errors


@dataclass(frozen=True)
class Override:
    """One file in a practice's template folder, and what it does to the defaults."""

    name: str
    replaces: Path | None

    def describe(self) -> str:
        if self.name == PRACTICE_STYLESHEET:
            return f"{self.name}: added after the shared stylesheets"
        if self.replaces is not None:
            return f"{self.name}: replaces templates/{self.name}"
        return f"{self.name}: new file (no shared file of that name)"


def list_overrides(paths: ProjectPaths, slug: str) -> list[Override]:
    folder = paths.templates / "practices" / slug
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        default = paths.templates / name
        found.append(Override(name, default if default.is_file() else None))
    return found


class _Utf8Loader(jinja2.FileSystemLoader):
    """Reads only template files inside its folders, as UTF-8, and says which file is wrong."""

    def get_source(self, environment, template):
        parts = jinja2.loaders.split_template_path(template)
        if parts and parts[0] == "practices":
            raise jinja2.TemplateNotFound(template)  # another practice's templates are not shared
        for folder in self.searchpath:
            path = Path(folder, *parts)
            if path.is_file():
                if not inside(path, Path(folder)):
                    raise TemplateError("is a link to a file outside the templates; refused", path)
                decode_utf8(path.read_bytes(), path, TemplateError)
                break
        return super().get_source(environment, template)


def _font_files(practice: LoadedPractice) -> set[Path]:
    font = practice.font
    return set(font.files) if font else set()


def _isolate_other_scripts(html: str, job: Job) -> str:
    """In a document not in Latin script, every Latin or numeric run in its own left-to-right span (see ``bidi``)."""
    if not language_spec(job.lang).scripts:
        return html
    source = job.procedure.data.translated_from
    latin_source = source if source is not None and not language_spec(source).scripts else None
    return isolate_ltr_runs(html, latin_source)


def _script_font_files(lang: str, templates: Path) -> set[Path]:
    return {path for script in language_spec(lang).scripts for _, _, path in script.faces(templates)}


def _month_year(value: str, language: str | tuple[str, ...], months: tuple[str, ...] | None = None) -> str:
    """``2026-11-01`` as a month and year the document's language writes: "November 2026", "noviembre de 2026".

    Given the document's language, Babel (the Unicode CLDR's data) writes it;
    for a language CLDR does not know, the wording's own month names
    (``month_year(lang, t.months)``) and the year, as templates written
    before did with ``month_year(t.months)``.
    """
    day = date.fromisoformat(value)
    if isinstance(language, str):
        try:
            return format_skeleton("yMMMM", day, locale=Locale.parse(language, sep="-"))
        except (UnknownLocaleError, ValueError):
            if not months:
                raise TemplateError(f"month_year: no dates are known for {language!r}; pass the wording's months too: month_year(lang, t.months)") from None
            language = months
    return f"{language[day.month - 1]} {day.year}"


def _syntax_error(error: jinja2.TemplateSyntaxError, templates: Path) -> TemplateError:
    file = Path(error.filename) if error.filename else templates / (error.name or "?")
    return TemplateError(error.message or "syntax error", file, f"line {error.lineno}")


def _runtime_error(error: Exception, template_name: str, templates: Path) -> TemplateError:
    """Name the template file and line where rendering failed.

    Jinja rewrites tracebacks so that frames of compiled templates carry the
    template's own file name and line, which is what the author needs.
    """
    file, line = templates / template_name, None
    traceback = error.__traceback__
    while traceback is not None:
        frame_file = traceback.tb_frame.f_code.co_filename
        if frame_file.endswith(".j2") or frame_file.endswith(".html"):
            file, line = Path(frame_file), traceback.tb_lineno
        traceback = traceback.tb_next
    message = getattr(error, "message", None) or str(error)
    if isinstance(error, jinja2.UndefinedError):
        message = f"undefined variable: {message}"
    return TemplateError(message, file, f"line {line}" if line else None)


def variable_names(value: Any, prefix: str = "", depth: int = 4) -> list[str]:
    """The names a template can use, as paths (``sections[].blocks[].type``), read from a real context."""
    if depth == 0:
        return [prefix]
    if isinstance(value, Record):
        if not len(value):
            return [prefix]
        names = []
        for key in value:
            names += variable_names(value[key], f"{prefix}.{key}" if prefix else key, depth - 1)
        return names
    if isinstance(value, tuple) and value and all(isinstance(item, Record) for item in value):
        merged: dict[str, Any] = {}
        for item in value:
            for key in item:
                merged.setdefault(key, item[key])
        return variable_names(Record(merged), f"{prefix}[]", depth)
    return [prefix]


@dataclass(frozen=True)
class TemplateGuide:
    """What a practice's template author may use: each kind's blocks, and the context's variables."""

    blocks: dict[str, list[str]]
    variables: list[str]
    sample: str
    """Which document the variables were read from."""


def template_guide(paths: ProjectPaths, slug: str) -> TemplateGuide:
    from .load import load_project
    from .plan import Selection, plan

    renderer = Renderer(paths)
    blocks = {spec.template: sorted(renderer.blocks_of(slug, f"{DEFAULT_PREFIX}/{spec.template}")) for spec in KIND_SPECS.values()}
    jobs = plan(load_project(paths), Selection(practices=(slug,)))
    if not jobs:
        return TemplateGuide(blocks, [], "")
    strings, _ = renderer.strings_and_file(slug, jobs[0].lang)
    variables = variable_names(Record(get_context(localized(jobs[0]), strings, renderer.options, renderer.paths.templates)))
    return TemplateGuide(blocks, variables, f"the {jobs[0].procedure.data.id} {jobs[0].kind}")


def compile_shared_templates(paths: ProjectPaths) -> None:
    """Compile every shared template into the in-memory cache, before workers are forked from this process.

    Only the shared templates, which the project ships; a practice's own are
    compiled in its worker. One that does not compile is left for the
    document that uses it to report.
    """
    environment = Renderer(paths).shared_environment()
    for name in environment.list_templates(extensions=["j2"]):
        if name.startswith(("practices/", f"{DEFAULT_PREFIX}/")):
            continue
        try:
            environment.get_template(name)
        except (jinja2.TemplateError, PressError, RecursionError, SyntaxError, MemoryError, OSError):
            pass
