#!/usr/bin/env python3
"""Counts test cases in a meson testlog.json: every TAP line of a TAP test, one per other test.
Prints 'N passed, N failed, N skipped'."""
import json
import re
import sys

passed = failed = skipped = 0
for line in open(sys.argv[1], encoding="utf-8"):
    t = json.loads(line)
    out = t.get("stdout") or ""
    tap = [l for l in out.splitlines() if re.match(r"^(not )?ok\b", l)]
    if tap:
        for l in tap:
            if re.search(r"#\s*SKIP", l, re.I):
                skipped += 1
            elif l.startswith("ok"):
                passed += 1
            else:
                failed += 1
        # A TAP program that died, or whose plan was not met, failed as a whole.
        if t["result"] not in ("OK", "SKIP") and not any(l.startswith("not ok") for l in tap):
            failed += 1
    elif t["result"] == "OK":
        passed += 1
    elif t["result"] == "SKIP":
        skipped += 1
    else:
        failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
