#!/usr/bin/env python3
"""Every configuration the README and the man pages show, as folders `wgpolicy check` can read.

usage: doc_examples.py OUT DOC...

A block is a ```ini fence of a Markdown file, or an .EX/.EE block of a man page, whose first
line is a section header ([Interface], [Policy office], ...), or a set file the text before it
names (FILE.txt). A block with [Interface] is the file the text before it names first (wg0.conf):
a doc that shows one without saying its file is wrong, and so is this test then. Every other
configuration block is a policy.conf, checked beside every interface and set file the docs show
(the doc's own first, so that README's wg0.conf is the one its policies see).

Writes OUT/NN/ (one configuration a block) and prints a line a folder: NN DOC:LINE FIRST-LINE.
"""
import os
import re
import sys

SECTION = re.compile(r"^\[(Interface|Peer|Policy [^]]+|Set [^]]+|Global)\]", re.I)
FILE_NAME = re.compile(r"([A-Za-z0-9_.=+-]+\.(?:conf|txt))\b")
# What groff escapes in the man pages' examples, in the order to undo them.
# Requests that lay out a man page's text without ending its paragraph.
LAYOUT = (".RS", ".RE", ".sp", ".br", ".nf", ".fi", ".in")
ROFF = [(r"\-", "-"), (r"\(aq", "'"), (r"\(dq", '"'), (r"\e", "\\"), (r"\&", "")]


def unroff(line):
    for escaped, plain in ROFF:
        line = line.replace(escaped, plain)
    return line


def paragraph_break(line, man):
    return line.startswith((".PP", ".SH", ".SS", ".TP", ".IP")) if man else not line.strip()


def blocks(path):
    """(first line number, the last paragraph before it, lines) of each block of path."""
    man = not path.endswith(".md")
    opening, closing = (".EX", ".EE") if man else ("```ini", "```")
    paragraph, last, inside, start, body = [], "", False, 0, []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = unroff(raw.rstrip("\n")) if man else raw.rstrip("\n")
            if not inside and line.strip() == opening:
                inside, start, body = True, n + 1, []
                last = " ".join(paragraph) or last
            elif inside and line.strip() == closing:
                yield start, last, body
                inside, paragraph, last = False, [], ""
            elif inside:
                body.append(line)
            elif man and line.startswith(LAYOUT):
                continue
            elif paragraph_break(line, man):
                last, paragraph = " ".join(paragraph) or last, []
            else:
                paragraph.append(line)


def classify(before, body):
    """('interface', NAME.conf) | ('set', NAME.txt) | ('policy', None) | None for other blocks."""
    first = next((l for l in body if l.strip()), "")
    names = FILE_NAME.findall(before)
    if SECTION.match(first.strip()):
        if any(re.match(r"^\s*\[Interface\]", l, re.I) for l in body):
            conf = next((n for n in names if n.endswith(".conf")), None)
            if conf is None:
                sys.exit(f"an [Interface] block after text that names no file: {before[-80:]!r}")
            return "interface", os.path.basename(conf)
        return "policy", None
    txt = next((n for n in names if n.endswith(".txt")), None)
    return ("set", os.path.basename(txt)) if txt else None


def main():
    out, docs = sys.argv[1], sys.argv[2:]
    found = []  # (doc, line, kind, name, body)
    for doc in docs:
        for line, before, body in blocks(doc):
            kind = classify(before, body)
            if kind:
                found.append((doc, line, kind[0], kind[1], body))
    shared = {}  # file name -> body: every interface and set file, the first doc's first
    for doc, _, kind, name, body in found:
        if kind != "policy":
            shared.setdefault(name, body)
    for i, (doc, line, kind, name, body) in enumerate(found):
        files = dict(shared)
        files.update({n: b for d, _, k, n, b in found if d == doc and k != "policy"})
        if kind == "interface":
            files = {n: b for n, b in files.items() if n.endswith(".txt")}
            files[name] = body
        elif kind == "policy":
            files["policy.conf"] = body
        else:
            continue
        folder = os.path.join(out, f"{i:02d}")
        os.makedirs(folder)
        for n, b in files.items():
            with open(os.path.join(folder, n), "w", encoding="utf-8") as f:
                f.write("\n".join(b) + "\n")
            os.chmod(os.path.join(folder, n), 0o600)
        first = next(l for l in body if l.strip()).strip()
        print(f"{i:02d} {os.path.basename(doc)}:{line} {first}")


main()
