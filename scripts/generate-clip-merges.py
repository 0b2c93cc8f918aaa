#!/usr/bin/env python3
"""Generate the data files of the Swift `Tokenizer` target from the Python reference packages.

Run from the repository root:

    python3 scripts/generate-clip-merges.py

Writes (both files are committed; never edit them by hand):

  Sources/Tokenizer/CLIPMerges+Generated.swift
      The BPE merges CLIP uses: the header line and the first 49152 - 256 - 2 = 48,894 merge lines of
      `bpe_simple_vocab_16e6.txt.gz`, joined by "\\n", as one raw string literal. That is exactly the part of the
      file `clip/simple_tokenizer.py::SimpleTokenizer.__init__` reads (`merges[1:49152-256-2+1]`); the other
      213,250 lines of the 1.3 MB file are never used. A Swift string literal (not a SwiftPM resource) keeps a
      moved binary working and needs no Python at run time.

  Sources/Tokenizer/TextCleaningTables+Generated.swift
      The tables the text cleaning needs, taken from the running reference instead of retyped:
      `html.entities.html5` (what `html.unescape` decodes), the upper-case entity names that
      `ftfy.chardata.HTML_ENTITIES` adds on top of it, and `ftfy.chardata.WIDTH_MAP`.

Pinned inputs (the script refuses other versions so a regenerated file cannot drift silently):
  Python 3.11 (html.entities), openai-clip 1.0.1 (the vocabulary file), ftfy 6.3.1.
The same vocabulary file ships in open_clip_torch 3.3.0; the script checks both copies are identical when present.
"""

from __future__ import annotations

import gzip
import hashlib
import html.entities
import importlib.metadata
import importlib.util
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MERGES_OUT = REPO_ROOT / "Sources" / "Tokenizer" / "CLIPMerges+Generated.swift"
TABLES_OUT = REPO_ROOT / "Sources" / "Tokenizer" / "TextCleaningTables+Generated.swift"
COMMAND = "python3 scripts/generate-clip-merges.py"

# clip/simple_tokenizer.py::SimpleTokenizer.__init__: merges[1:49152-256-2+1]
MERGE_COUNT = 49152 - 256 - 2

EXPECTED_VERSIONS = {"openai-clip": "1.0.1", "ftfy": "6.3.1"}

OPENAI_CLIP_LICENSE = """MIT License

Copyright (c) 2021 OpenAI

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE."""


def fnv1a64(data: bytes) -> int:
    """FNV-1a 64-bit: a dependency-free fingerprint the Swift tests recompute (Tokenizer has no crypto)."""
    value = 0xCBF29CE484222325
    for byte in data:
        value ^= byte
        value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def check_versions() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"error: need Python 3.11 (html.entities of the pinned reference), found {sys.version.split()[0]}")
    for package, expected in EXPECTED_VERSIONS.items():
        found = importlib.metadata.version(package)
        if found != expected:
            sys.exit(f"error: need {package} {expected}, found {found}")


def package_file(package: str, name: str) -> Path | None:
    """Locate a data file of an installed package without importing it (importing `clip` needs torchvision)."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / name
    return path if path.exists() else None


def raw_literal(content: str) -> tuple[str, str]:
    """Pick the fewest '#' so the content needs no escaping inside a Swift multi-line raw string."""
    hashes = 1
    while ('"""' + "#" * hashes) in content or ("\\" + "#" * hashes) in content:
        hashes += 1
    return "#" * hashes + '"""', '"""' + "#" * hashes


def swift_comment(text: str) -> str:
    return "\n".join(("// " + line).rstrip() for line in text.splitlines())


def generate_merges() -> None:
    vocab_path = package_file("clip", "bpe_simple_vocab_16e6.txt.gz")
    if vocab_path is None:
        sys.exit("error: openai-clip is not installed (clip/bpe_simple_vocab_16e6.txt.gz not found)")
    raw = vocab_path.read_bytes()
    other = package_file("open_clip", "bpe_simple_vocab_16e6.txt.gz")
    if other is not None and other.read_bytes() != raw:
        sys.exit(f"error: {other} differs from {vocab_path}")

    lines = gzip.decompress(raw).decode("utf-8").split("\n")
    kept = lines[: 1 + MERGE_COUNT]
    if len(kept) != 1 + MERGE_COUNT or any(len(line.split(" ")) != 2 for line in kept[1:]):
        sys.exit("error: unexpected vocabulary file layout")
    text = "\n".join(kept)
    data = text.encode("utf-8")
    if "\r" in text:
        sys.exit("error: carriage return in merges")
    opening, closing = raw_literal(text)

    header = f"""// GENERATED FILE. Do not edit: regenerate with
//   {COMMAND}
//
// The BPE merges of OpenAI CLIP: the header line and the first {MERGE_COUNT:,} merge lines of
// bpe_simple_vocab_16e6.txt.gz (openai-clip 1.0.1, clip/bpe_simple_vocab_16e6.txt.gz; the identical file ships in
// open_clip_torch 3.3.0), joined by "\\n", without a trailing newline. These are the lines
// clip/simple_tokenizer.py::SimpleTokenizer.__init__ keeps (`merges[1:49152-256-2+1]`).
//   source file sha256:  {hashlib.sha256(raw).hexdigest()}
//   literal UTF-8 bytes: {len(data)}
//   literal FNV-1a 64:   0x{fnv1a64(data):016x}
//
// The vocabulary file is part of OpenAI CLIP (https://github.com/openai/CLIP) and is used under its license:
//
{swift_comment(OPENAI_CLIP_LICENSE)}

/// The merges text CLIP ships, compiled into the binary so the tokenizer needs no resource bundle and no Python.
enum CLIPMerges {{
    /// Header line + {MERGE_COUNT:,} merge lines; `CLIPTokenizer(mergesText:)` parses exactly this format.
    static let text = {opening}
{text}
{closing}

    /// Byte count and FNV-1a 64 of `text`, written by the generator; tests recompute both.
    static let utf8Count = {len(data)}
    static let fingerprint: UInt64 = 0x{fnv1a64(data):016x}
}}
"""
    MERGES_OUT.write_text(header, encoding="utf-8")
    print(f"wrote {MERGES_OUT.relative_to(REPO_ROOT)} ({len(data):,} bytes of merges)")


def codepoints(value: str) -> str:
    return " ".join(f"{ord(ch):04X}" for ch in value)


def generate_tables() -> None:
    from ftfy import chardata  # imported here: only this part needs ftfy

    html5 = html.entities.html5
    html5_lines = [f"{name} {codepoints(value)}" for name, value in html5.items()]

    # ftfy.chardata._build_html_entities: every html5 name that ends in ';' plus upper-cased copies of the
    # all-lower-case ones. The first group is already in `html5`, so only the upper-case additions are stored.
    upper_lines = []
    for key, value in chardata.HTML_ENTITIES.items():
        name = key[1:]
        if name in html5:
            if html5[name] != value:
                sys.exit(f"error: ftfy entity {key} disagrees with html5")
            continue
        upper_lines.append(f"{name} {codepoints(value)}")

    width_lines = [f"{source:04X} {codepoints(target)}" for source, target in sorted(chardata.WIDTH_MAP.items())]

    sections = []
    for name, doc, lines in [
        (
            "html5Entities",
            "Python 3.11 `html.entities.html5` (the WHATWG HTML5 named character references), one per line:\n"
            "    /// the name exactly as the table spells it (with its ';' when it has one), a space, the code points in hex.\n"
            "    /// `html.unescape` decodes these; the 106 names without ';' are the legacy ones it also accepts bare.",
            html5_lines,
        ),
        (
            "ftfyUppercaseEntities",
            "The names ftfy 6.3.1 `chardata.HTML_ENTITIES` adds to the html5 table: upper-cased copies of all-lower-case\n"
            "    /// names (`EACUTE;` -> `É`) that `html.unescape` would leave alone. Same line format as `html5Entities`.",
            upper_lines,
        ),
        (
            "ftfyWidthMap",
            "ftfy 6.3.1 `chardata.WIDTH_MAP` (`fix_character_width`): a code point in hex, a space, its replacement in hex.\n"
            "    /// Full-width ASCII, half-width katakana and hangul, and U+3000 IDEOGRAPHIC SPACE -> U+0020.",
            width_lines,
        ),
    ]:
        body = "\n".join(lines)
        opening, closing = raw_literal(body)
        sections.append(f"    /// {doc}\n    static let {name} = {opening}\n{body}\n{closing}")

    content = f"""// GENERATED FILE. Do not edit: regenerate with
//   {COMMAND}
//
// Data for the text cleaning that CLIP runs before BPE (clip/simple_tokenizer.py::basic_clean), read from the pinned
// reference at generation time: Python 3.11 html.entities.html5 ({len(html5_lines)} entries), ftfy 6.3.1
// chardata.HTML_ENTITIES ({len(upper_lines)} upper-case additions) and chardata.WIDTH_MAP ({len(width_lines)} entries).
// The entity table is the WHATWG HTML named character reference list as CPython ships it.

/// Reference tables for `HTMLUnescaper` and `TextFixer`; parsed once on first use.
enum TextCleaningTables {{
{chr(10).join(sections)}
}}
"""
    TABLES_OUT.write_text(content, encoding="utf-8")
    print(f"wrote {TABLES_OUT.relative_to(REPO_ROOT)} ({len(html5_lines)} + {len(upper_lines)} entities, "
          f"{len(width_lines)} width entries)")


def main() -> None:
    os.chdir(REPO_ROOT)
    check_versions()
    generate_merges()
    generate_tables()


if __name__ == "__main__":
    main()
