#!/usr/bin/env python3
"""No Catch2 TEST_CASE name may contain ';': catch_discover_tests splits the
name there (a CMake list), registering two ctest tests that run nothing and
pass. Exit 1 naming each offender."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parents[2]
bad = []
for path in list(root.glob("libs/*/test/*.cpp")) + list(root.glob("services/*/test/*.cpp")) + \
        [p for p in root.glob("tests/**/*.cpp") if "fuzz" not in p.parts]:
    text = path.read_text()
    for m in re.finditer(r'TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', text):
        name = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
        if ";" in name:
            bad.append(f"{path.relative_to(root)}: {name}")
for b in bad:
    print("TEST_CASE name contains ';':", b, file=sys.stderr)
sys.exit(1 if bad else 0)
