#!/usr/bin/env python3
"""Golden token ids for the Swift CLIP tokenizer, produced by the reference tokenizers themselves.

Run from the repository root (never run by `swift test`):

    python3 Fixtures/scripts/make_tokenizer_goldens.py

Pinned reference (the script refuses other versions):
    Python 3.11.7 (unicodedata 14.0.0: str.lower, NFC, html.entities)
    ftfy 6.3.1, regex 2026.5.9, open_clip_torch 3.3.0, openai-clip 1.0.1

Writes
    Fixtures/tokenizer/clip_tokenizer_goldens.json
        Every test string with OpenAI CLIP's ids (`SimpleTokenizer.encode`, `clip.tokenize(truncate=True)`) and
        decode output. open_clip's `SimpleTokenizer.encode` / `open_clip.tokenize` must agree on every string
        except those that spell a special token literally (the two libraries spell them differently); those keep
        open_clip's ids too. Strings that ftfy treats as mojibake also carry the ids the reference gives with
        ftfy's `fix_encoding` switched off, which is what the Swift port (no mojibake repair) must produce.
    Fixtures/tokenizer/clip_tokenizer_unicode_tables.json
        Per-code-point behaviour of the reference's Unicode machinery, so the Swift tests can check the whole
        code space: which alternative of the split pattern each code point falls in (regex module, IGNORECASE),
        Python's `str.lower` (alone and as the context of a final sigma), `str.isspace`, and NFC of every code
        point with a canonical decomposition.
"""

from __future__ import annotations

import html.entities
import importlib.metadata
import importlib.util
import json
import sys
import types
import unicodedata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
OUT_DIR = REPO_ROOT / "Fixtures" / "tokenizer"
GOLDENS = OUT_DIR / "clip_tokenizer_goldens.json"
UNICODE_TABLES = OUT_DIR / "clip_tokenizer_unicode_tables.json"
CONTEXT_LENGTH = 77

PINNED = {"ftfy": "6.3.1", "regex": "2026.5.9", "open_clip_torch": "3.3.0", "openai-clip": "1.0.1"}
PINNED_PYTHON = "3.11.7"


def check_versions() -> dict[str, str]:
    found = {name: importlib.metadata.version(name) for name in PINNED}
    python = sys.version.split()[0]
    wrong = {name: version for name, version in found.items() if version != PINNED[name]}
    if wrong or python != PINNED_PYTHON:
        sys.exit(f"error: pinned versions {PINNED} + Python {PINNED_PYTHON}; found {found} + Python {python}")
    return {"python": python, "unicodedata": unicodedata.unidata_version, **found}


VERSIONS = check_versions()

# `import clip` / `import open_clip` import torchvision, whose PyPI wheel registers fake CUDA kernels in
# torchvision/_meta_registrations.py and fails with "operator torchvision::nms does not exist" on this CPU-only
# torch. The tokenizers need none of it, so an empty stand-in module is installed before either import.
sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import ftfy  # noqa: E402
import open_clip  # noqa: E402
import regex  # noqa: E402
from clip import clip as openai_clip  # noqa: E402  (for clip.tokenize and its truncate rule)


def load_openai_simple_tokenizer():
    """Load clip/simple_tokenizer.py by file path: it needs only ftfy, regex, gzip and html, not torch."""
    spec = importlib.util.find_spec("clip")
    path = Path(spec.origin).parent / "simple_tokenizer.py"
    module_spec = importlib.util.spec_from_file_location("openai_clip_simple_tokenizer", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


openai_module = load_openai_simple_tokenizer()
openai_tokenizer = openai_module.SimpleTokenizer()
openclip_tokenizer = open_clip.tokenizer.SimpleTokenizer()
SOT = openai_tokenizer.encoder["<|startoftext|>"]
EOT = openai_tokenizer.encoder["<|endoftext|>"]
assert (SOT, EOT) == (49406, 49407) == (openclip_tokenizer.sot_token_id, openclip_tokenizer.eot_token_id)

# ---------------------------------------------------------------------------------------------------------------
# Test strings
# ---------------------------------------------------------------------------------------------------------------

# ZegCLIP configs/_base_/datasets/text_embedding/get_embedding.ipynb (VOC12_classes, COCO_classes, templates).
VOC_CLASSES = [
    "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable", "dog",
    "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
]

COCO_STUFF_CLASSES = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear",
    "hair drier", "toothbrush", "banner", "blanket", "branch", "bridge", "building-other", "bush", "cabinet",
    "cage", "cardboard", "carpet", "ceiling-other", "ceiling-tile", "cloth", "clothes", "clouds", "counter",
    "cupboard", "curtain", "desk-stuff", "dirt", "door-stuff", "fence", "floor-marble", "floor-other",
    "floor-stone", "floor-tile", "floor-wood", "flower", "fog", "food-other", "fruit", "furniture-other", "grass",
    "gravel", "ground-other", "hill", "house", "leaves", "light", "mat", "metal", "mirror-stuff", "moss",
    "mountain", "mud", "napkin", "net", "paper", "pavement", "pillow", "plant-other", "plastic", "platform",
    "playingfield", "railing", "railroad", "river", "road", "rock", "roof", "rug", "salad", "sand", "sea", "shelf",
    "sky-other", "skyscraper", "snow", "solid-other", "stairs", "stone", "straw", "structural-other", "table",
    "tent", "textile-other", "towel", "tree", "vegetable", "wall-brick", "wall-concrete", "wall-other",
    "wall-panel", "wall-stone", "wall-tile", "wall-wood", "water-other", "waterdrops", "window-blind",
    "window-other", "wood",
]
assert len(VOC_CLASSES) == 20 and len(COCO_STUFF_CLASSES) == 171

ZEGCLIP_TEMPLATES = [
    "a photo of a {}.", "a photo of a small {}.", "a photo of a medium {}.", "a photo of a large {}.",
    "This is a photo of a {}.", "This is a photo of a small {}.", "This is a photo of a medium {}.",
    "This is a photo of a large {}.", "a {} in the scene.", "a photo of a {} in the scene.",
    "There is a {} in the scene.", "There is the {} in the scene.", "This is a {} in the scene.",
    "This is the {} in the scene.", "This is one {} in the scene.",
]
assert len(ZEGCLIP_TEMPLATES) == 15

LONG_SENTENCE = (
    "a very long caption that keeps going and going with many ordinary english words so that the byte pair "
    "encoding produces far more than seventy seven tokens, which forces the tokenizer to truncate the sequence "
    "and put the end of text token in the last slot instead of the word that would have been there otherwise, "
    "exactly as open clip and the original clip code do when truncation is requested by the caller."
)

HAND_WRITTEN: list[tuple[str, str]] = [
    # LDVC / ZegCLIP prompt shapes
    ("prompt", "a photo of a"),
    ("prompt", "a photo of a."),
    ("prompt", "this is a photo of a"),
    ("prompt", "X X X X X X person"),
    ("prompt", "X X X X X X potted plant."),
    ("prompt", "x x x x x x"),
    ("prompt", "A Photo Of A CAT"),
    # punctuation and contractions
    ("punctuation", "hello, world!"),
    ("punctuation", "what's up?"),
    ("punctuation", "don't stop"),
    ("punctuation", "it'll rain, we're sure, they've gone, i'm here, he'd know"),
    ("punctuation", "IT'S LOUD"),
    ("punctuation", "'s 't 're 've 'm 'll 'd"),
    ("punctuation", "rock'n'roll"),
    ("punctuation", "don''t"),
    ("punctuation", "'sam 'tis 'really"),
    ("punctuation", "..."),
    ("punctuation", "!!!???"),
    ("punctuation", "a-b_c e-mail c++ c# f#"),
    ("punctuation", "#hashtag @user"),
    ("punctuation", "http://example.com/path?q=1&r=2"),
    ("punctuation", "50% off! (limited) [time] {only}"),
    ("punctuation", "~`^|\\ <> = + * /"),
    ("punctuation", "\"double\" and 'single' quotes"),
    ("punctuation", "ends with apostrophe'"),
    ("punctuation", "'"),
    ("punctuation", "</w>"),
    ("punctuation", "a</w>b"),
    # digits and numbers
    ("digits", "123"),
    ("digits", "3.14159"),
    ("digits", "2024-01-01 12:30"),
    ("digits", "1,000,000 people"),
    ("digits", "x2 H2O mp3 4k"),
    ("digits", "\u0663\u0664 \u0966\u0967"),
    ("digits", "\u00bd \u00b2 \u2460 \u216b"),
    ("digits", "007"),
    # accents and scripts with case
    ("accents", "café"),
    ("accents", "naïve"),
    ("accents", "Zürich"),
    ("accents", "CAFÉ"),
    ("accents", "cafe\u0301"),
    ("accents", "Ångström"),
    ("accents", "São Paulo, Kraków, Reykjavík"),
    ("accents", "Straße"),
    ("accents", "\u0130stanbul"),
    ("accents", "ΣΑΣ ΟΔΥΣΣΕΥΣ Σ"),
    ("accents", "ΑΣ. Σ"),
    ("accents", "Привет мир"),
    ("accents", "Ǆemal ǅ ǆ"),
    ("accents", "Ｌ\u0307"),
    # other scripts
    ("scripts", "猫"),
    ("scripts", "一只猫的照片"),
    ("scripts", "日本語のテキスト"),
    ("scripts", "한국어 텍스트"),
    ("scripts", "مرحبا بالعالم"),
    ("scripts", "שלום"),
    ("scripts", "नमस्ते दुनिया"),
    ("scripts", "สวัสดีครับ"),
    ("scripts", "ᄀ\u1161\u11a8"),
    # emoji
    ("emoji", "🐱"),
    ("emoji", "a photo of a 🐶"),
    ("emoji", "👨\u200d👩\u200d👧\u200d👦 family"),
    ("emoji", "🏳\ufe0f\u200d🌈"),
    ("emoji", "🇺🇸🇫🇷🇯🇵"),
    ("emoji", "👍🏽"),
    ("emoji", "❤\ufe0f ❤"),
    ("emoji", "© ® ™"),
    ("emoji", "🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f"),
    # HTML entities (ftfy's unescape, then html.unescape twice)
    ("html", "&amp;"),
    ("html", "&#39;"),
    ("html", "rock &amp; roll"),
    ("html", "it&#39;s"),
    ("html", "&lt;b&gt;bold&lt;/b&gt;"),
    ("html", "<b>bold</b> &amp; co"),
    ("html", "&amp;amp;amp;lt;"),
    ("html", "&eacute;t&eacute; caf&Eacute;"),
    ("html", "P&EACUTE;REZ BUNDESSTRA&SZLIG;E"),
    ("html", "&nbsp;non&nbsp;breaking&nbsp;"),
    ("html", "wait&hellip; &mdash; &ndash; &rsquo;"),
    ("html", "&#x2019;&#8217;&#X2018;"),
    ("html", "&#128; &#150; &#x9F;"),
    ("html", "&#0; &#1; &#13; &#xD800; &#1114112; &#99999999999999999999;"),
    ("html", "&#59; &#38;"),
    ("html", "&notit; &ampxyz &copy 2024 &copy;"),
    ("html", "AT&T &unknown; & ;"),
    ("html", "&CounterClockwiseContourIntegral;"),
    ("html", "&NotNestedGreaterGreater;&fjlig;"),
    ("html", "line one &lt;\nline two &amp; three"),
    ("html", "first &amp; line\n<tag> second &amp;\nthird &amp;"),
    ("html", "&AMP; &Amp; &aMp;"),
    ("html", "&#65;&#x42;&#X43"),
    ("html", "&"),
    ("html", "&#"),
    ("html", "&#x;"),
    # curly quotes
    ("quotes", "“quoted”"),
    ("quotes", "it’s"),
    ("quotes", "‘single’ ‛reversed‛ ‟double‟"),
    ("quotes", "„low“ «guillemets» ʼn"),
    ("quotes", "l’humanité"),
    # ligatures
    ("ligatures", "ﬁsh"),
    ("ligatures", "ﬂower"),
    ("ligatures", "ﬀ ﬃ ﬄ ﬆ"),
    ("ligatures", "ﬅ"),
    ("ligatures", "Ĳssel ĳs ŉ"),
    ("ligatures", "æ œ"),
    # full width and half width
    ("width", "ＬＯＵＤ　ＮＯＩＳＥＳ"),
    ("width", "ｃａｔ"),
    ("width", "１２３"),
    ("width", "！？"),
    ("width", "ｶﾀｶﾅ"),
    ("width", "ｶﾞｷﾞ"),
    ("width", "ﾍﾟﾝ"),
    ("width", "ﾡ"),
    # white space and line breaks
    ("whitespace", "a\tb"),
    ("whitespace", "a\nb"),
    ("whitespace", "a\r\nb\rc"),
    ("whitespace", "  leading and trailing  "),
    ("whitespace", "multiple     spaces"),
    ("whitespace", "\u00a0non breaking\u00a0"),
    ("whitespace", "a\u2028b\u2029c"),
    ("whitespace", "\u3000ideographic\u3000space"),
    ("whitespace", "zero\u200bwidth"),
    ("whitespace", "a\u0085b"),
    ("whitespace", "a\u000bb\u000cc"),
    ("whitespace", "a\u2003b\u205fc\u1680d"),
    ("whitespace", "\n\t "),
    ("whitespace", " "),
    ("empty", ""),
    # control characters and other ftfy fixes
    ("control", "null\u0000char"),
    ("control", "\u001b[31mred\u001b[0m text"),
    ("control", "\u001b[1;32mbold green"),
    ("control", "\ufeffbyte order mark"),
    ("control", "del\u007fete"),
    ("control", "c1 \u0080 \u0081 \u0093x\u0094"),
    ("control", "a\u001cb\u001fc"),
    ("control", "arabic\u206acontrol"),
    ("control", "\ufff9annotation\ufffb\ufffc"),
    ("control", "lone \u0301 accent"),
    ("control", "α\u0345"),
    ("control", "β\u0345γ"),
    ("control", "rtl \u200f mark"),
    # special tokens spelled in the text
    ("special", "<|startoftext|>"),
    ("special", "<|endoftext|>"),
    ("special", "a <|endoftext|> b"),
    ("special", "<|STARTOFTEXT|>hello"),
    ("special", "x<|endoftext|>y"),
    ("special", "<|startoftext|><|endoftext|>"),
    ("special", "<|ſtartoftext|>"),
    ("special", "<|ﬅartoftext|>"),
    ("special", "<start_of_text>"),
    ("special", "<end_of_text>"),
    ("special", "<|startoftext"),
    ("special", "!<|endoftext|>"),
    # characters newer than the reference's Unicode 14 data
    ("unicode-version", "\U0001e030\U00010d50\ua7cb"),
    ("unicode-version", "garay \U00010d50\U00010d51"),
    # mojibake: ftfy's fix_encoding repairs these; the Swift port does not (see the report)
    ("mojibake", "cafÃ©"),
    ("mojibake", "âœ” No problems"),
    ("mojibake", "sÃ³ isso"),
    # length: boundary and truncation
    ("length", " ".join(["cat"] * 75)),
    ("length", " ".join(["cat"] * 76)),
    ("length", " ".join(["cat"] * 200)),
    ("length", LONG_SENTENCE),
    ("length", "supercalifragilisticexpialidocious" * 5),
    ("length", "a" * 300),
    ("length", "🐱" * 40),
]


def ftfy_table_cases() -> list[tuple[str, str]]:
    """One string per small ftfy table, holding every entry, so each table is checked entry by entry."""
    from ftfy import chardata

    return [
        ("ftfy-tables", "c1: " + " ".join(chr(c) for c in range(0x80, 0xA0))),
        ("ftfy-tables", "ligatures: " + " ".join(chr(c) for c in chardata.LIGATURES)),
        ("ftfy-tables", "width: " + " ".join(chr(c) for c in sorted(chardata.WIDTH_MAP))),
        ("ftfy-tables", "controls: " + "x".join(chr(c) for c in sorted(chardata.CONTROL_CHARS)) + "x"),
        ("ftfy-tables", "quotes: " + " ".join(chr(c) for c in [0x02BC, *range(0x2018, 0x2020)])),
        ("ftfy-tables", "entities: " + " ".join(f"&{name}" for name in list(html.entities.html5)[::40])),
        ("ftfy-tables", "upper entities: " + " ".join(k for k in list(chardata.HTML_ENTITIES)[::60])),
    ]


def all_cases() -> list[tuple[str, str]]:
    cases = [("voc-class", name) for name in VOC_CLASSES]
    cases += [("voc-prompt", f"a photo of a {name}") for name in VOC_CLASSES]
    cases += [("coco-class", name) for name in COCO_STUFF_CLASSES]
    cases += [("coco-prompt", f"a photo of a {name}.") for name in COCO_STUFF_CLASSES]
    # each template once with a rotating class name; the full 171 x 15 grid is in `templateCases`
    cases += [("template", template.format(COCO_STUFF_CLASSES[(7 * i) % 171])) for i, template in
              enumerate(ZEGCLIP_TEMPLATES)]
    cases += HAND_WRITTEN
    cases += ftfy_table_cases()
    # the same class name appears in VOC and COCO-Stuff; keep the first occurrence only
    seen: set[str] = set()
    unique = []
    for category, text in cases:
        if text not in seen:
            seen.add(text)
            unique.append((category, text))
    return unique


# ---------------------------------------------------------------------------------------------------------------
# Reference runs
# ---------------------------------------------------------------------------------------------------------------

# Both libraries match their special tokens with re.IGNORECASE, so "ſ" (U+017F, case-folds to "s") counts too.
SPECIAL_SPELLINGS = regex.compile(r"<\|startoftext\|>|<\|endoftext\|>|<start_of_text>|<end_of_text>", regex.IGNORECASE)


def spells_special(text: str) -> bool:
    """Whether the cleaned text spells a special token of either library (the one place they may disagree)."""
    # after the reference's own cleaning, because ftfy and lower() can create a spelling (ﬅ -> ſt)
    cleaned = openai_module.whitespace_clean(openai_module.basic_clean(text)).lower()
    return SPECIAL_SPELLINGS.search(cleaned) is not None


def openai_tokenize(text: str) -> tuple[list[int], bool]:
    """clip.tokenize(truncate=True) ids, and whether truncate=False raises (the text does not fit)."""
    padded = openai_clip.tokenize([text], context_length=CONTEXT_LENGTH, truncate=True)[0].tolist()
    try:
        openai_clip.tokenize([text], context_length=CONTEXT_LENGTH, truncate=False)
        too_long = False
    except RuntimeError:
        too_long = True
    return padded, too_long


def encode_without_mojibake_repair(text: str) -> list[int]:
    """The reference with ftfy's fix_encoding disabled: everything else in fix_text stays on."""
    original = openai_module.ftfy.fix_text
    openai_module.ftfy = types.SimpleNamespace(fix_text=lambda t: original(t, fix_encoding=False))
    try:
        return openai_tokenizer.encode(text)
    finally:
        openai_module.ftfy = ftfy


def is_mojibake(text: str) -> bool:
    return ftfy.fix_text(text) != ftfy.fix_text(text, fix_encoding=False)


def make_case(category: str, text: str) -> dict:
    ids = openai_tokenizer.encode(text)
    padded, too_long = openai_tokenize(text)
    assert too_long == (len(ids) + 2 > CONTEXT_LENGTH)
    assert padded[: min(len(ids) + 2, CONTEXT_LENGTH)][:1] == [SOT]
    case = {
        "category": category,
        "text": text,
        "scalarCount": len(text),
        "encode": ids,
        "tokenize": padded,
        "tooLong": too_long,
        "decoded": openai_tokenizer.decode(ids),
    }

    oc_ids = openclip_tokenizer.encode(text)
    oc_padded = open_clip.tokenize([text], context_length=CONTEXT_LENGTH)[0].tolist()
    if (oc_ids, oc_padded) != (ids, padded):
        if not spells_special(text):
            raise SystemExit(f"error: open_clip and OpenAI CLIP disagree on {text!r}: {oc_ids} vs {ids}")
        case["openCLIP"] = {"encode": oc_ids, "tokenize": oc_padded}

    if is_mojibake(text):
        plain = encode_without_mojibake_repair(text)
        case["mojibake"] = {
            "ftfyFixed": ftfy.fix_text(text),
            "encodeWithoutRepair": plain,
        }
    return case


def decode_cases() -> list[dict]:
    """Decoding id lists that do not come from encode: partial UTF-8, specials, padding."""
    emoji = openai_tokenizer.encode("🐱")
    family = openai_tokenizer.encode("👨\u200d👩\u200d👧")
    id_lists = [
        [SOT, 320, 1125, 539, 320, EOT],
        [SOT, 320, 1125, 539, 320, EOT, 0, 0, 0],
        [0],
        [256, 511, 512, 49405],
        emoji[:1],
        emoji[1:],
        family[:-1],
        list(reversed(family)),
        [188, 189],
        [],
    ]
    return [{"ids": ids, "text": openai_tokenizer.decode(ids)} for ids in id_lists]


def fnv1a64(data: bytes) -> int:
    value = 0xCBF29CE484222325
    for byte in data:
        value ^= byte
        value = (value * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value


def goldens() -> dict:
    cases = [make_case(category, text) for category, text in all_cases()]
    template_cases = [
        {"text": template.format(name), "encode": openai_tokenizer.encode(template.format(name))}
        for name in COCO_STUFF_CLASSES
        for template in ZEGCLIP_TEMPLATES
    ]
    for case in template_cases:
        assert openclip_tokenizer.encode(case["text"]) == case["encode"]

    import gzip

    vocab_path = Path(importlib.util.find_spec("clip").origin).parent / "bpe_simple_vocab_16e6.txt.gz"
    lines = gzip.decompress(vocab_path.read_bytes()).decode("utf-8").split("\n")
    merges_text = "\n".join(lines[: 1 + 49152 - 256 - 2]).encode("utf-8")

    return {
        "generator": "Fixtures/scripts/make_tokenizer_goldens.py",
        "versions": VERSIONS,
        "contextLength": CONTEXT_LENGTH,
        "startOfText": SOT,
        "endOfText": EOT,
        "vocabularySize": len(openai_tokenizer.encoder),
        "merges": {"utf8Count": len(merges_text), "fnv1a64": f"{fnv1a64(merges_text):016x}"},
        "cases": cases,
        "templateCases": template_cases,
        "decodeCases": decode_cases(),
    }


# ---------------------------------------------------------------------------------------------------------------
# Unicode tables
# ---------------------------------------------------------------------------------------------------------------


def scalar_values():
    return (c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)


def unicode_tables() -> dict:
    # The alternatives of clip/simple_tokenizer.py's pattern, one character at a time, with re.IGNORECASE as the
    # reference compiles it. W: \s (skipped), L: [\p{L}]+, N: [\p{N}], O: [^\s\p{L}\p{N}]+, X: none of them.
    letter = regex.compile(r"[\p{L}]", regex.IGNORECASE)
    number = regex.compile(r"[\p{N}]", regex.IGNORECASE)
    other = regex.compile(r"[^\s\p{L}\p{N}]", regex.IGNORECASE)
    space = regex.compile(r"\s", regex.IGNORECASE)
    runs = []
    previous = None
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            kind = "surrogate"
        else:
            ch = chr(code)
            matches = [k for k, p in (("W", space), ("L", letter), ("N", number), ("O", other)) if p.match(ch)]
            assert len(matches) <= 1, (hex(code), matches)
            kind = matches[0] if matches else "X"
        if kind != previous:
            runs.append([code, kind])
            previous = kind

    lowercase = [[c, [ord(x) for x in chr(c).lower()]] for c in scalar_values() if chr(c).lower() != chr(c)]

    nfc = []
    for c in scalar_values():
        if 0xAC00 <= c <= 0xD7A3 and (c - 0xAC00) % 97 != 0:
            continue  # Hangul syllables compose algorithmically; keep a sample
        ch = chr(c)
        decomposed = unicodedata.normalize("NFD", ch)
        if decomposed != ch:
            nfc.append([[ord(x) for x in decomposed], [ord(x) for x in unicodedata.normalize("NFC", decomposed)]])
        composed = unicodedata.normalize("NFC", ch)
        if composed != ch:
            nfc.append([[c], [ord(x) for x in composed]])

    # Final_Sigma context, which reads the Cased and Case_Ignorable properties of the neighbours:
    # "AcΣ".lower() ends in ς iff c is case-ignorable or cased; "AΣc".lower() keeps σ iff c is cased and not
    # case-ignorable. Both lists together pin down what CPython's handle_capital_sigma sees for every code point.
    final_before = [c for c in scalar_values() if ("A" + chr(c) + "Σ").lower()[-1] == "ς"]
    not_final_after = [c for c in scalar_values() if ("AΣ" + chr(c)).lower()[1] == "σ"]

    return {
        "generator": "Fixtures/scripts/make_tokenizer_goldens.py",
        "versions": VERSIONS,
        "finalSigmaWithScalarBefore": final_before,
        "nonFinalSigmaWithScalarAfter": not_final_after,
        "splitPatternClasses": runs,
        "pythonLower": lowercase,
        "pythonIsSpace": [c for c in scalar_values() if chr(c).isspace()],
        "nfc": nfc,
    }


def write_json(path: Path, value: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(value, ensure_ascii=True, indent=1, separators=(",", ": "))
    # keep id lists on one line each: much smaller diffs than one number per line
    path.write_text(compact_number_lists(text) + "\n", encoding="ascii")
    print(f"wrote {path.relative_to(REPO_ROOT)} ({path.stat().st_size:,} bytes)")


def compact_number_lists(text: str) -> str:
    return regex.sub(r"\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]", lambda m: "[" + regex.sub(r"\s+", "", m.group(1)) + "]", text)


def main() -> None:
    data = goldens()
    write_json(GOLDENS, data)
    write_json(UNICODE_TABLES, unicode_tables())
    differing = [c["text"] for c in data["cases"] if "openCLIP" in c]
    mojibake = [c["text"] for c in data["cases"] if "mojibake" in c]
    print(f"{len(data['cases'])} cases + {len(data['templateCases'])} template prompts + "
          f"{len(data['decodeCases'])} decode cases")
    print(f"open_clip differs (special-token spelling) on: {differing}")
    print(f"mojibake repaired by ftfy on: {mojibake}")


if __name__ == "__main__":
    main()
