"""The repository documents itself: no file refers to a document outside it, and every link between
its documents resolves.

- No tracked file cites a design document the repository does not hold, or a folder beside the
  checkout (``../shared/…``): what the code relies on is written in ``docs/``.
- Every relative link in a Markdown file leads to a file that exists, and its ``#anchor`` (if any)
  to a heading of that file, spelled as GitHub spells heading anchors.
- Every ``docs/NAME.md#anchor`` that code, tests or configuration cite leads to a heading.

The files are those git tracks; outside a git checkout (an unpacked release) there is nothing to
check against, and the tests skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

#: What no file may cite: design documents and folders that are not part of the repository. The
#: strings are split so that this file does not cite them itself.
OUTSIDE = [re.compile(pattern) for pattern in (
    "DESIGN" + r"\.md",
    "DESIGN" + r" ?§",
    r"\.\./" + "shared/",
)]

_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_DOCS_ANCHOR = re.compile(r"docs/([a-z0-9_-]+\.md)#([\w-]+)")


@cache
def tracked() -> tuple[Path, ...]:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    return tuple(REPO / name for name in out.decode("utf-8").split("\0") if name)


def _text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:  # listed by git but deleted in the work tree
        return None
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped (letters of every
    script, digits, ``-`` and ``_`` kept), spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every heading's anchor; a repeated heading gets ``-1``, ``-2``, … as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for line in _FENCE.sub("", markdown).splitlines():
        match = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        base = slug(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(markdown: str) -> list[str]:
    """The targets of the Markdown links outside code blocks and code spans."""
    prose = _CODE_SPAN.sub("", _FENCE.sub("", markdown))
    return _LINK.findall(prose)


def broken_link(source: Path, target: str) -> str | None:
    """Why ``target``, linked from ``source``, does not resolve; None when it does."""
    if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: — not ours to check offline
        return None
    name, _, anchor = target.partition("#")
    path = (source.parent / name).resolve() if name else source
    if not path.exists():
        return f"no such file {name}"
    if anchor and path.suffix == ".md" and anchor not in anchors(path.read_text(encoding="utf-8")):
        return f"no heading #{anchor} in {path.name}"
    return None


def test_no_file_cites_a_document_outside_the_repository() -> None:
    me = Path(__file__).resolve()
    found = []
    for path in tracked():
        text = _text(path)
        if text is None or path == me:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            found += [f"{path.relative_to(REPO)}:{number}: {line.strip()}"
                      for pattern in OUTSIDE if pattern.search(line)]
    assert not found, "cites a document outside the repository:\n" + "\n".join(found)


def test_every_link_between_the_documents_resolves() -> None:
    wrong = []
    for path in tracked():
        if path.suffix != ".md" or (text := _text(path)) is None:
            continue
        for target in links(text):
            if why := broken_link(path, target):
                wrong.append(f"{path.relative_to(REPO)}: ({target}): {why}")
    assert not wrong, "\n".join(wrong)


def test_every_cited_section_of_the_docs_exists() -> None:
    wrong = []
    for path in tracked():
        if (text := _text(path)) is None:
            continue
        for name, anchor in _DOCS_ANCHOR.findall(text):
            doc = REPO / "docs" / name
            if not doc.exists():
                wrong.append(f"{path.relative_to(REPO)} cites docs/{name}, which does not exist")
            elif anchor not in anchors(doc.read_text(encoding="utf-8")):
                wrong.append(f"{path.relative_to(REPO)} cites docs/{name}#{anchor}: no such heading")
    assert not wrong, "\n".join(wrong)


_REPO_PATH = re.compile(r"(?<![\w/.])((?:src|tests|docs)/[\w./-]+\.(?:py|md|yaml|yml|json|jsonl|tsv|txt))\b")


def test_every_source_test_and_docs_path_cited_exists() -> None:
    me = Path(__file__).resolve()
    wrong = []
    for path in tracked():
        if path == me or (text := _text(path)) is None:
            continue
        wrong += [f"{path.relative_to(REPO)} cites {cited}, which does not exist"
                  for cited in sorted(set(_REPO_PATH.findall(text))) if not (REPO / cited).exists()]
    assert not wrong, "\n".join(wrong)


def test_the_readme_links_the_docs() -> None:
    targets = {target.partition("#")[0] for target in links((REPO / "README.md").read_text(encoding="utf-8"))}
    assert {"docs/architecture.md", "docs/regulations.md", "docs/operations.md"} <= targets


@pytest.mark.parametrize(("heading", "anchor"), [
    ("Several processes on one PostgreSQL", "several-processes-on-one-postgresql"),
    ("`sentinel analyze`", "sentinel-analyze"),
    ("Disclosure requests (依申请公开)", "disclosure-requests-依申请公开"),
    ("Configuration, HTTP and metrics", "configuration-http-and-metrics"),
])
def test_anchors_are_spelled_as_github_spells_them(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_a_broken_link_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## A part\n\n[ok](#a-part) [gone](other.md) [bad](#nowhere) `[code](x.md)`\n"
                    "```\n[fenced](y.md)\n```\n[web](https://example.org/missing)\n", encoding="utf-8")
    found = {target: broken_link(page, target) for target in links(page.read_text(encoding="utf-8"))}
    assert found == {"#a-part": None, "other.md": "no such file other.md",
                     "#nowhere": "no heading #nowhere in page.md", "https://example.org/missing": None}


def test_the_architecture_lists_the_stages_in_the_order_the_layer_test_enforces() -> None:
    from tests.test_layers import STAGES

    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert " → ".join(STAGES) in text
    table = re.findall(r"^\| `([a-z]+)` \|", text, re.MULTILINE)
    assert table == list(STAGES), "the table of what each package may import lists the stages in order"


# ------------------------------------------------------------------ what the documents name exists

#: The documents whose commands and configuration keys are checked against the code.
CHECKED = ("README.md", "docs/architecture.md", "docs/regulations.md", "docs/operations.md")

_COMMAND = re.compile(r"(?:^|bin/)sentinel\s+(.+)")
_FILE_SUFFIXES = {"py", "json", "jsonl", "yml", "yaml", "md", "txt", "csv", "tsv", "db", "html", "pdf",
                  "mako"}
_KEY = re.compile(r"`([a-z_]+(?:\[\])?(?:\.[a-z_]+(?:\[\])?)+)`")


def _code(markdown: str) -> list[str]:
    """The code spans, and the fenced blocks."""
    blocks = [match.group(0) for match in _FENCE.finditer(markdown)]
    spans = [span.strip("`") for span in _CODE_SPAN.findall(_FENCE.sub("", markdown))]
    return spans + blocks


def command_problem(words: list[str]) -> str | None:
    """Why ``sentinel WORDS`` is not a command line of :func:`sentinel.cli.main`; None when it is."""
    import click

    from sentinel.cli import main

    command: click.Command = main
    path = ["sentinel"]
    words = [word.strip("[]") for word in words]
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("--config", "--log-level") and command is main:
            i += 2
            continue
        if not isinstance(command, click.Group) or not re.fullmatch(r"[a-z][a-z-]*", word):
            break
        sub = command.commands.get(word)
        if sub is None:
            return f"{' '.join(path)} has no command {word!r}"
        command, path = sub, [*path, word]
        i += 1
    options = {"--help"} | {name for param in command.params for name in [*param.opts, *param.secondary_opts]}
    for word in words[i:]:
        name = word.split("=", 1)[0]
        if name.startswith("--") and name not in options:
            return f"{' '.join(path)} has no option {name}"
    return None


def config_key_problem(key: str) -> str | None:
    """Why the dotted configuration ``key`` (``http.tokens[].token_env``) is not one of
    :class:`sentinel.settings.Settings`; None when it is, or when it leaves the typed sections
    (a mapping of anything, such as ``analysis.grading``)."""
    import typing

    from pydantic import BaseModel

    from sentinel.settings import Settings

    def models(annotation: object) -> list[type[BaseModel]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return [annotation]
        return [m for arg in typing.get_args(annotation) for m in models(arg)]

    model: type[BaseModel] = Settings
    parts = key.replace("[]", "").split(".")
    for depth, part in enumerate(parts):
        fields = {info.alias or name: info for name, info in model.model_fields.items()}
        if part not in fields:
            return f"{'.'.join(parts[:depth]) or 'the configuration'} has no key {part!r}"
        annotation = fields[part].annotation
        inner = models(annotation)
        if inner:
            model = inner[0]
            continue
        if depth == len(parts) - 1 or annotation is typing.Any or _is_mapping(annotation):
            return None  # a plain value, or a mapping the section reads itself
        return f"{'.'.join(parts[:depth + 1])} is a value, not a section"
    return None


def _is_mapping(annotation: object) -> bool:
    import collections.abc
    import typing

    origin = typing.get_origin(annotation)
    if origin in (dict, collections.abc.Mapping):
        return True
    return any(_is_mapping(arg) for arg in typing.get_args(annotation))


def test_every_command_the_documents_show_exists() -> None:
    wrong = []
    for name in CHECKED:
        for code in _code((REPO / name).read_text(encoding="utf-8")):
            for line in code.splitlines():
                if match := _COMMAND.search(line.strip()):
                    if why := command_problem(match.group(1).split()):
                        wrong.append(f"{name}: `{line.strip()}`: {why}")
    assert not wrong, "\n".join(wrong)


def test_every_configuration_key_the_documents_name_exists() -> None:
    from sentinel.settings import Settings

    sections = set(Settings.model_fields)
    wrong = []
    for name in CHECKED:
        for key in _KEY.findall((REPO / name).read_text(encoding="utf-8")):
            section = key.split(".")[0].removesuffix("[]")
            if key.rpartition(".")[2] in _FILE_SUFFIXES or section not in sections:
                continue  # a file (engine.py, delivery.json), or not the configuration
            if why := config_key_problem(key):
                wrong.append(f"{name}: `{key}`: {why}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("line", "problem"), [
    ("sentinel --config PATH incidents show ID --json", None),
    ("sentinel requests delay ID --until DAY --reason R", None),
    ("sentinel incidents open ID", "sentinel incidents has no command 'open'"),
    ("sentinel ack ID --by NAME --quietly", "sentinel ack has no option --quietly"),
    ("sentinel sessions end-all", None),
])
def test_a_wrong_command_is_caught(line: str, problem: str | None) -> None:
    assert command_problem(line.split()[1:]) == problem


@pytest.mark.parametrize(("key", "problem"), [
    ("http.tokens[].token_env", None),
    ("policy.verification.wait", None),
    ("analysis.grading", None),
    ("delivery.lease_time", "delivery has no key 'lease_time'"),
    ("engine.tick.every", "engine.tick is a value, not a section"),
    ("incidents.heat.listing", None),
])
def test_a_wrong_configuration_key_is_caught(key: str, problem: str | None) -> None:
    assert config_key_problem(key) == problem


# ------------------------------------------------------------- docs/regulations.md and the defaults


def _ordinal(number: int) -> str:
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number if number < 20 else number % 10, 'th')}"


def _regulation_rows() -> dict[str, str]:
    text = (REPO / "docs" / "regulations.md").read_text(encoding="utf-8")
    rows = re.finditer(r"^\| `([a-z_]+)` [^\n]*", text, re.MULTILINE)
    return {match.group(1): match.group(0) for match in rows}


def test_the_regulations_page_gives_every_deadline_its_default() -> None:
    from sentinel.escalation.obligations import ObligationKind
    from sentinel.escalation.policy import DEFAULTS

    def hours(value: str) -> str:  # "5h" as the page writes it: "5 h"
        return re.sub(r"^(\d+)([a-z]+)$", r"\1 \2", value)

    interpretation, reply = DEFAULTS["policy_interpretation"], DEFAULTS["disclosure_reply"]
    expected = {
        "authoritative_info": hours(DEFAULTS["authoritative_info"]["within"]) + " after the clock starts",
        "press_conference": hours(DEFAULTS["press_conference"]["within"]) + " after the clock starts",
        "sustained_release": hours(DEFAULTS["sustained_release"]["every"]) + " after each release",
        "response": hours(DEFAULTS["response"]["within"]) + " after the clock starts",
        "policy_interpretation": f"the {_ordinal(interpretation['working_days'])} working day",
        "disclosure_reply": f"the {_ordinal(reply['working_days'])} working day after receipt; "
                            f"once extended, {reply['working_days'] + reply['extension']}",
    }
    rows = _regulation_rows()
    assert set(expected) == {kind.value for kind in ObligationKind}
    wrong = [f"{kind}: the page's row does not say {words!r}" for kind, words in expected.items()
             if words not in rows.get(kind, "")]
    assert not wrong, "\n".join(wrong)
    response = rows["response"]
    assert f"negative share ≥ {DEFAULTS['response']['negative_share']}" in response
    assert f"heat ≥ {DEFAULTS['response']['heat']:g}" in response


def test_the_regulations_page_cites_every_grading_table_and_the_intensity_steps() -> None:
    from sentinel.analyse.grading import DEFAULT_TABLES
    from sentinel.settings import IncidentsConfig

    text = (REPO / "docs" / "regulations.md").read_text(encoding="utf-8")
    missing = []
    for name, table in DEFAULT_TABLES.items():
        document = re.split(r" \(| 第|；", table["basis"])[0]  # the document, without its article
        if table["name"].split("（")[0] not in text or document not in text:
            missing.append(f"{name}: {table['name']} / {document}")
    assert not missing, "grading tables the page does not cite:\n" + "\n".join(missing)
    steps = IncidentsConfig().intensity
    words = ", ".join(f"{'heat ' if i == 0 else ''}≥ {step.heat:g} {'makes ' if i == 0 else ''}"
                      f"at least {step.grade}" for i, step in enumerate(steps))
    assert words in text
