#!/usr/bin/env python3
"""Generates pathspec_oracle.json: what pathspec's "gitwildmatch" (the
matcher azureml-core 1.50 uses, pathspec 0.11.x) says about a set of
patterns and paths. Run with the python3-pathspec package (Debian 0.11.0;
azureml-core 1.50's environment has 0.11.1, whose gitwildmatch is the same):

    /usr/bin/python3 gen_pathspec_oracle.py > pathspec_oracle.json

The Go test ignore_oracle_test.go replays every case."""
import io
import json
import random
import re
import sys
import warnings

import pathspec
from pathspec.patterns.gitwildmatch import GitWildMatchPattern

warnings.simplefilter("ignore")

HAND_PATTERNS = [
    "outputs", "/outputs", "outputs/", "/outputs/", "logs/", "*.pyc", "**/foo", "foo/**",
    "a/**/b", "**", "**/", "***", "*", "/*", "/*.py", "data/*.csv", "?.txt", "[a-c].txt",
    "[!a-c].txt", "[^a-c].txt", "[]a].txt", "[!]a].txt", "[a-].txt", "[^]a]", "[^]]",
    "[^]-a]", "[^-a]", "\\#file", "\\!file", "#comment", "  spaced  ", "trailing\\ ",
    "a\\", "!", "!/", "/", "", "a//b", "**/**/x", "a/**", "a/**/", "**/a/", "dir/sub",
    "/dir/sub/", "*.[Tt][Xx][Tt]", "x[", "x[]", "[\\]]x", "a?b", "a*b*c", "file name",
    "\u00fcn\u00ef*", "[z-a]", "[--0]", "[a\\-z]", "\\*", "\\?", "\\[x]", ".git", ".*",
    "!.gitignore", "**/.ipynb_checkpoints", "docs", "dummy*", "*.yml", "a/b/", "/a/b",
    "a/*/c", "a/*", "*/b", "**/b/**", "b/**/", "a**", "**a", "a/**b", "[!/]", "a[!x]b",
    "[[:alpha:]]", "\\", " \\ ", "!!a", "!\\!a", "\\ a", "a\\ ", "[\\\\]", "x?", "?",
    "/?", "**/?", "a/?/c", "[", "]", "[]", "[!]", "[^]", "[]]", "[]-]", "[!]-]",
    "\u00e9", "[\u00e0-\u00ff]x", "a\tb", "*\t", "\x1ca\x1d", "\u00a0a\u00a0", "\ufeffa",
    "#", "\\#", "!#a", "logs/*", "!logs/l.txt", "outputs/model.pkl", "!outputs/model.pkl",
]

HAND_PATHS = [
    "outputs", "outputs/model.pkl", "a/outputs", "a/outputs/x", "logs", "logs/l.txt",
    "x.pyc", "a/b/x.pyc", "foo", "a/foo", "foo/bar", "a/b", "a/x/b", "a/x/y/b", "b",
    "x.txt", "a.txt", "d.txt", "].txt", "-.txt", "^.txt", "^]", "^]a]", "^]a", "^-a]",
    "#file", "!file", "spaced", "  spaced  ", "trailing ", "a", "a/b/c", "dir/sub",
    "x/dir/sub", "dir/sub/z", "f.TXT", "f.tXt", "x[", "x[]", "]x", "\\x", "\\]x", "axb",
    "a/b", "a\nb", "abc", "aXbYc", "file name", "\u00fcn\u00efcode", "*", "?", "[x]",
    ".git", ".git/config", ".gitignore", ".amlignore", "x/.ipynb_checkpoints/y",
    ".ipynb_checkpoints", "docs", "docs/index.md", "dummy", "dummy.txt", "env.yml",
    "sub/env.yml", "a/c", "a/z/c", "a/z", "z/b", "b/x", "b/x/y", "ab", "ba", "a/ab",
    "a/b/c/d", "a/", "x/", "outputs\n", "a\n", "a/b\n", "a/\n", "\u00e9", "\u00e9x",
    "\u00f1x", "a\tb", "x\t", "\x1ca\x1d", "a", " a", "a ", "!!a", "!a", "dir", "#a",
    "logs/sub/l.txt", "data/x.csv", "data/sub/x.csv", "x/data/x.csv", "main.py", "s/main.py",
]

def rand_pattern(rng):
    alphabet = ["a", "b", "c", "/", "*", "**", "?", "[", "]", "!", "^", "-", "\\", " ", ".", "#", "x"]
    n = rng.randint(1, 8)
    return "".join(rng.choice(alphabet) for _ in range(n))

def rand_path(rng):
    alphabet = ["a", "b", "c", "/", ".", "-", "]", "^", "!", "#", " ", "\\", "x", "\u00e9", "\n"]
    n = rng.randint(1, 9)
    p = "".join(rng.choice(alphabet) for _ in range(n))
    return p.lstrip("/") or "a"

def compile_one(pat):
    try:
        p = GitWildMatchPattern(pat)
    except Exception as e:  # GitWildMatchPatternError or re.error
        return None, type(e).__name__
    return p, None

def main():
    rng = random.Random(20240601)
    paths = list(dict.fromkeys(HAND_PATHS + [rand_path(rng) for _ in range(120)]))
    patterns = list(dict.fromkeys(HAND_PATTERNS + [rand_pattern(rng) for _ in range(2500)]))
    single = []
    for pat in patterns:
        p, err = compile_one(pat)
        case = {"pattern": pat}
        if err:
            case["error"] = err
        elif p.include is None:
            case["null"] = True
        else:
            case["include"] = p.include
            case["regex"] = p.regex.pattern
            case["m"] = "".join("1" if p.match_file(x) is not None else "0" for x in paths)
        single.append(case)
    # Whole files: last match wins, lines as read from a file (newline attached).
    files = [
        "outputs\n!outputs/model.pkl\n",
        "logs/\n!logs/l.txt\n",
        "*.txt\n!a.txt\n*.txt\n",
        "*.txt\n!a.txt\n",
        "a/\n!a/b\n",
        "*\n!*.py\n",
        "*\n!*/\n!*.py\n",
        "/*\n!/s\n",
        "docs\n\n# c\n!docs/index.md\n",
        "foo\\ \nbar\n",
        "foo\\ ",
        "a\r\nb\rc\n",
    ]
    for _ in range(300):
        k = rng.randint(1, 5)
        lines = []
        for _ in range(k):
            pat = rand_pattern(rng)
            if rng.random() < 0.3:
                pat = "!" + pat
            lines.append(pat)
        files.append("\n".join(lines) + ("\n" if rng.random() < 0.7 else ""))
    multi = []
    for text in files:
        case = {"text": text}
        try:
            # Universal newlines as Python's text-mode file iteration does.
            lines = [l for l in io.StringIO(text, newline=None) if l]
            spec = pathspec.PathSpec.from_lines("gitwildmatch", lines)
        except Exception as e:
            case["error"] = type(e).__name__
            multi.append(case)
            continue
        case["m"] = "".join("1" if spec.match_file(x) else "0" for x in paths)
        multi.append(case)
    json.dump({
        "generator": "testdata/gen_pathspec_oracle.py",
        "pathspec": pathspec.__version__,
        "python": sys.version.split()[0],
        "paths": paths,
        "single": single,
        "files": multi,
    }, sys.stdout, indent=0, ensure_ascii=True)
    sys.stdout.write("\n")

main()
