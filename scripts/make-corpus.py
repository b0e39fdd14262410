#!/usr/bin/env python3
"""Builds data/corpus/gnu-info-sentences.txt: English sentences from the GNU info manuals that
are licensed under the GNU Free Documentation License, as found in /usr/share/info/*.gz.

The output depends on which manuals (and versions) the machine holds, so the COMMITTED file is
the pin: data/corpus/README.md lists the manuals it came from and the file's sha256, and users
of the corpus read the committed file, never this script's output. Deterministic for a given
/usr/share/info: manuals in name order, sentences in document order, first occurrence kept.

Usage: python3 scripts/make-corpus.py [--info-dir /usr/share/info] [--out data/corpus]
       [--max-bytes 900000]
Writes <out>/gnu-info-sentences.txt and prints, on stderr, one line per manual (used or not,
with its copyright line) for the README.
"""
import argparse
import gzip
import os
import re
import sys

# A manual is used only if its permission notice (the start of its main file) grants the GFDL.
GFDL = "GNU Free Documentation License"
SENTENCE_END = re.compile(r"(?<=[.?!])([’”)]?)\s{2,}")
BAD_CHARS = set("{}<>|\\$=_#@^~`[]*%&;")
# Licence documents that allow only verbatim copies: a sentence quoted from one of them (the
# manuals' appendices reproduce the FDL, GPL and LGPL) is left out. The permission notices of the
# manuals themselves are part of the GFDL-licensed text and stay.
LICENCE_DOCS = ["GFDL-1.2", "GFDL-1.3", "GPL-2", "GPL-3", "LGPL-2", "LGPL-2.1", "LGPL-3"]


def manual_files(info_dir):
    """{manual: [files in order]}: name.info.gz, then name.info-1.gz, name.info-2.gz, ..."""
    manuals = {}
    for name in sorted(os.listdir(info_dir)):
        m = re.fullmatch(r"(.+)\.info(?:-(\d+))?\.gz", name)
        if m:
            manuals.setdefault(m.group(1), []).append((int(m.group(2) or 0), name))
    return {k: [os.path.join(info_dir, n) for _, n in sorted(v)] for k, v in sorted(manuals.items())}


def read(path):
    with gzip.open(path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def paragraphs(text):
    """Prose paragraphs of the info text: nodes split on U+001F, index/tag-table nodes, menus,
    headings, node headers and code examples (indented lines with no prose) left out."""
    for node in text.split("\x1f"):
        head = node.lstrip("\n").split("\n", 1)[0]
        if head.startswith("Tag Table") or head.startswith("End Tag Table") or \
                re.search(r"Node: [^,]*Index", head):
            continue
        for para in re.split(r"\n\s*\n", node):
            lines = [ln for ln in para.split("\n") if ln.strip()]
            if not lines or lines[0].startswith("File: ") or \
                    any(ln.lstrip().startswith("* ") for ln in lines) or \
                    any(re.fullmatch(r"\s*[*=\-.]{3,}\s*", ln) for ln in lines):
                continue
            joined = ""
            for ln in lines:
                piece = ln.strip()
                if joined:
                    joined += "  " if re.search(r"[.?!][’”)]?$", joined) else " "
                joined += piece
            yield joined


def sentences(para):
    parts = SENTENCE_END.split(para)
    # re.split with one group returns [text, group, text, group, ...]: glue the group back.
    out = []
    for i in range(0, len(parts), 2):
        s = parts[i] + (parts[i + 1] if i + 1 < len(parts) else "")
        out.append(re.sub(r"\s+", " ", s).strip())
    return out


def is_prose(s):
    words = s.split(" ")
    if not 6 <= len(words) <= 60 or not 40 <= len(s) <= 320:
        return False
    if not (s[0].isupper() or s[0] in "‘“") or not re.search(r"[.?!][’”)]?$", s):
        return False
    if any(c in BAD_CHARS for c in s) or "--" in s or "::" in s or "http" in s:
        return False
    letters = sum(c.isalpha() for c in s)
    if letters < 0.75 * sum(not c.isspace() for c in s):
        return False
    # Mostly lower-case words: headings, option lists and tables are not.
    lower = sum(w[:1].islower() for w in words)
    return lower >= 0.5 * len(words)


def licence_text(licence_dir):
    """All licence documents of LICENCE_DOCS found in licence_dir, whitespace-normalised."""
    texts = []
    for name in LICENCE_DOCS:
        path = os.path.join(licence_dir, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                texts.append(re.sub(r"\s+", " ", f.read()))
    return "\n".join(texts)


def quotes_licence(s, licences):
    """True if s (or its first 60 characters, the quotes may re-wrap) occurs in a licence."""
    norm = re.sub(r"[‘’“”]", lambda m: "'" if m.group(0) in "‘’" else '"', s)
    return norm in licences or norm[:60] in licences or s[:60] in licences


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--info-dir", default="/usr/share/info")
    ap.add_argument("--out", default="data/corpus")
    ap.add_argument("--max-bytes", type=int, default=900_000)
    ap.add_argument("--licence-dir", default="/usr/share/common-licenses")
    args = ap.parse_args()
    licences = licence_text(args.licence_dir)
    if not licences:
        sys.exit(f"make-corpus: no licence documents in {args.licence_dir}")
    dropped = 0

    seen = set()
    by_manual = []
    for manual, files in manual_files(args.info_dir).items():
        texts = [read(f) for f in files]
        notice = texts[0].split("\x1f", 1)[0]  # the preamble before the first node
        copyright_line = next((ln.strip() for ln in notice.split("\n") if "Copyright" in ln), "")
        if GFDL not in re.sub(r"\s+", " ", notice):
            print(f"skipped {manual}: its notice does not grant the GFDL ({copyright_line})",
                  file=sys.stderr)
            continue
        kept = []
        for text in texts:
            for para in paragraphs(text):
                for s in sentences(para):
                    if is_prose(s) and s not in seen:
                        seen.add(s)
                        if quotes_licence(s, licences):
                            dropped += 1
                            continue
                        kept.append(s)
        by_manual.append((manual, kept))
        print(f"used {manual}: {len(kept)} sentences; {copyright_line}", file=sys.stderr)

    print(f"left out {dropped} sentences quoted from licence documents", file=sys.stderr)
    everything = [s for _, kept in by_manual for s in kept]
    total = sum(len(s.encode("utf-8")) + 1 for s in everything)
    # Over the size cap: keep every k-th sentence of each manual (deterministic thinning).
    step = 1
    while total > args.max_bytes:
        step += 1
        everything = [s for _, kept in by_manual for s in kept[::step]]
        total = sum(len(s.encode("utf-8")) + 1 for s in everything)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "gnu-info-sentences.txt")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for s in everything:
            f.write(s + "\n")
    print(f"wrote {path}: {len(everything)} sentences, {total} bytes, every {step}. kept",
          file=sys.stderr)


if __name__ == "__main__":
    main()
