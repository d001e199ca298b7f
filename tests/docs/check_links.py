#!/usr/bin/env python3
"""Check the relative links and #anchors in the repository's Markdown files.

    python3 tests/docs/check_links.py            # every Markdown file git knows (tracked or new)
    python3 tests/docs/check_links.py FILE.md..  # only these files

For each link or image in a Markdown file (inline `[text](target)`, reference definitions
`[ref]: target`, and HTML `href="..."` / `src="..."`), outside code blocks and code spans:

- a target with a scheme (https:, mailto:, ...) or starting with `//` is external: not checked
  (no network here);
- any other target is a path relative to the file (or to the repository root when it starts with
  `/`, as on GitHub). It must exist inside the repository: a file or a directory;
- `#anchor` (alone, or after a path to a Markdown file) must be a heading of that file, slugged the
  way GitHub does it (github-slugger: lower case; letters, marks, decimal and letter numbers,
  connector punctuation, `-` and spaces kept, everything else removed; each space becomes `-`;
  a repeated slug gets `-1`, `-2`, ...), or an HTML `id`/`name` in it. Anchors into other files
  are only checked for GitHub's line form (`#L10`, `#L10-L20`).

Prints one line per broken link (`file:line: ...`) and exits 1 if there is any; stdlib only.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[2]
# Directories never searched when git is not available (build output, environments).
SKIP_DIRS = {".git", "target", "build", ".venv", "node_modules", "__pycache__"}

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
HTML_ID = re.compile(r"""<[a-zA-Z][^>]*?\s(?:id|name)\s*=\s*["']([^"']+)["']""")
HTML_LINK = re.compile(r"""<[a-zA-Z][^>]*?\s(?:href|src)\s*=\s*["']([^"']+)["']""")
COMMENT = re.compile(r"<!--.*?-->", re.S)
# [text](target "title") and ![alt](target): one level of nested brackets in the text; a target
# in <...>, or without spaces and with balanced parentheses.
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*\]"
    r"\(\s*(<[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)"
    r"""(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)"""
)
REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*(<[^>]*>|\S+)")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
LINE_ANCHOR = re.compile(r"^L\d+(?:C\d+)?(?:-L\d+(?:C\d+)?)?$")

# Unicode general categories whose characters stay in a slug (github-slugger removes the rest,
# except ' ' and '-').
KEPT_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "Pc"}


def slug(text: str) -> str:
    """github-slugger's slug of a heading's text (without the de-duplication suffix)."""
    return "".join(
        "-" if ch == " " else ch
        for ch in text.lower()
        if ch in " -" or unicodedata.category(ch) in KEPT_CATEGORIES
    )


def heading_text(raw: str) -> str:
    """The text GitHub renders for a heading's Markdown source (what it slugs)."""
    text = re.sub(r"`+([^`]*?)`+", r"\1", raw)  # code spans keep their content
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links and images keep their text
    text = re.sub(r"!?\[([^\]]*)\]\[[^\]]*\]", r"\1", text)  # reference links too
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    text = re.sub(r"(\*{1,3}|_{1,3})(\S(?:.*?\S)?)\1", r"\2", text)  # emphasis markers
    text = re.sub(r"~~(.+?)~~", r"\1", text)
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)  # backslash escapes
    return html.unescape(text).strip()


def blank_code(text: str) -> list[str]:
    """The file's lines with fenced code blocks, code spans and HTML comments blanked out
    (line numbers stay the same), so links and headings in code are ignored."""
    text = COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    lines = text.split("\n")
    out, fence = [], None
    for line in lines:
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)
            out.append("")
        elif fence is not None:
            close = FENCE.match(line)
            if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence) \
                    and not line.strip().lstrip(fence[0]):
                fence = None
            out.append("")
        else:
            out.append(re.sub(r"(`+)(?:(?!\1).)+?\1", lambda m: " " * len(m.group(0)), line))
    return out


def anchors(path: Path, cache: dict) -> set[str]:
    """Every anchor a Markdown file offers: heading slugs (de-duplicated as GitHub does) and HTML
    ids and names."""
    if path in cache:
        return cache[path]
    raw_lines = path.read_text(encoding="utf-8").split("\n")
    lines = blank_code(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    seen: dict[str, int] = {}

    def add(text: str) -> None:
        base = slug(heading_text(text))
        result = base
        while result in seen:
            seen[base] += 1
            result = f"{base}-{seen[base]}"
        seen[result] = 0
        found.add(result)

    for i, line in enumerate(lines):
        for m in HTML_ID.finditer(line):
            found.add(m.group(1))
        m = ATX.match(line)
        if m:
            # the heading's own source (code spans were blanked in `line`)
            add(ATX.match(raw_lines[i]).group(2) or "")
            continue
        if i > 0 and SETEXT.match(line) and lines[i - 1].strip() and not ATX.match(lines[i - 1]) \
                and not lines[i - 1].lstrip().startswith(("|", ">", "-", "*", "+")):
            add(raw_lines[i - 1].strip())
    cache[path] = found
    return found


def links(path: Path):
    """(line number, target) of every link in a Markdown file, code excluded."""
    for n, line in enumerate(blank_code(path.read_text(encoding="utf-8")), start=1):
        for m in INLINE_LINK.finditer(line):
            yield n, m.group(1)
        m = REF_DEF.match(line)
        if m:
            yield n, m.group(2)
        for m in HTML_LINK.finditer(line):
            yield n, m.group(1)


def check_file(path: Path, root: Path, cache: dict) -> tuple[list[str], int]:
    """Broken links of one file as messages, and how many links were checked."""
    errors, checked = [], 0
    rel = path.relative_to(root)
    for n, target in links(path):
        target = target.strip()
        if target.startswith("<") and target.endswith(">"):
            target = target[1:-1]
        if not target or SCHEME.match(target) or target.startswith("//"):
            continue
        checked += 1
        where = f"{rel}:{n}: link '{target}'"
        part, _, anchor = target.partition("#")
        part = unquote(part.split("?", 1)[0])
        if part.startswith("/"):
            dest = (root / part.lstrip("/")).resolve()
        elif part:
            dest = (path.parent / part).resolve()
        else:
            dest = path
        try:
            dest.relative_to(root)
        except ValueError:
            errors.append(f"{where}: leaves the repository")
            continue
        if not dest.exists():
            errors.append(f"{where}: {dest.relative_to(root)} does not exist")
            continue
        if not anchor:
            continue
        anchor = unquote(anchor)
        if dest.is_file() and dest.suffix.lower() in (".md", ".markdown"):
            if anchor not in anchors(dest, cache):
                errors.append(f"{where}: no heading or id '#{anchor}' in {dest.relative_to(root)}")
        elif dest.is_file() and not LINE_ANCHOR.match(anchor):
            errors.append(f"{where}: '#{anchor}' is not a line anchor (#L10, #L10-L20)")
    return errors, checked


def markdown_files(root: Path) -> list[Path]:
    """Every Markdown file git knows in the repository (tracked, or new and not ignored)."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--",
             "*.md", "*.markdown"],
            cwd=root, capture_output=True, check=True,
        ).stdout.decode()
        files = [root / p for p in out.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if x not in SKIP_DIRS and not x.startswith(".")]
            files += [Path(d) / x for x in names if x.endswith((".md", ".markdown"))]
    return sorted(p for p in set(files) if p.is_file())


def main(argv: list[str]) -> int:
    root = ROOT
    files = [Path(a).resolve() for a in argv] if argv else markdown_files(root)
    cache: dict = {}
    errors, checked = [], 0
    for f in files:
        e, c = check_file(f, root, cache)
        errors += e
        checked += c
    for e in errors:
        print(e)
    print(f"check_links: {checked} relative links in {len(files)} Markdown files, "
          f"{len(errors)} broken")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
