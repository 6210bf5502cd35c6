#!/usr/bin/env python3
"""Checks the syntax of a udev rules file as udev(7) of systemd 252 (Debian 12) describes it,
whose udevadm has no 'verify': every line is comma-separated KEY[{attr}] OP "value" pairs with a
known key, an operator that key takes, a quoted value; every GOTO has its LABEL; no sysfs
attribute of the USB ids is written by mistake (ATTR{idVendor}="..." is an assignment).
Usage: check_udev_rules.py FILE... ; exits 1 naming the file and line of each problem."""
import re
import sys

MATCH = "match"
ASSIGN = "assign"
BOTH = "both"
# key: (kind, takes {attr})
KEYS = {
    "ACTION": (MATCH, False), "DEVPATH": (MATCH, False), "KERNEL": (MATCH, False),
    "KERNELS": (MATCH, False), "SUBSYSTEM": (MATCH, False), "SUBSYSTEMS": (MATCH, False),
    "DRIVER": (MATCH, False), "DRIVERS": (MATCH, False), "TAGS": (MATCH, False),
    "ATTRS": (MATCH, True), "CONST": (MATCH, True), "TEST": (MATCH, None),
    "PROGRAM": (MATCH, False), "RESULT": (MATCH, False),
    "NAME": (BOTH, False), "SYMLINK": (BOTH, False), "TAG": (BOTH, False),
    "ATTR": (BOTH, True), "SYSCTL": (BOTH, True), "ENV": (BOTH, True),
    "OWNER": (ASSIGN, False), "GROUP": (ASSIGN, False), "MODE": (ASSIGN, False),
    "SECLABEL": (ASSIGN, True), "RUN": (ASSIGN, None), "LABEL": (ASSIGN, False),
    "GOTO": (ASSIGN, False), "IMPORT": (ASSIGN, True), "OPTIONS": (ASSIGN, False),
}
PAIR = re.compile(r'^([A-Z]+)(?:\{([^{}"]*)\})?(==|!=|\+=|-=|:=|=)"((?:[^"\\]|\\.)*)"$')


def split_pairs(line):
    """Commas outside double quotes separate the pairs."""
    pairs, cur, quoted, esc = [], "", False, False
    for ch in line:
        if esc:
            cur, esc = cur + ch, False
        elif ch == "\\":
            cur, esc = cur + ch, True
        elif ch == '"':
            cur, quoted = cur + ch, not quoted
        elif ch == "," and not quoted:
            pairs.append(cur.strip())
            cur = ""
        else:
            cur += ch
    pairs.append(cur.strip())
    return pairs, quoted


def logical_lines(text):
    """(line number, text) of each rule, joining backslash continuations."""
    buf, start = "", 0
    for no, raw in enumerate(text.split("\n"), 1):
        if not buf:
            start = no
        if raw.endswith("\\"):
            buf += raw[:-1]
            continue
        buf += raw
        yield start, buf
        buf = ""
    if buf:
        yield start, buf


def check_pair(pair):
    m = PAIR.match(pair)
    if not m:
        return f"not KEY OP \"value\": {pair!r}"
    key, attr, op, value = m.groups()
    if key not in KEYS:
        return f"unknown key {key}"
    kind, takes_attr = KEYS[key]
    if takes_attr is True and attr is None:
        return f"{key} needs {{attribute}}"
    if takes_attr is False and attr is not None:
        return f"{key} takes no {{attribute}}"
    if kind == MATCH and op not in ("==", "!="):
        return f"{key} can only be matched (== or !=), not assigned with {op}"
    if kind == ASSIGN and op in ("==", "!="):
        return f"{key} can only be assigned, not matched with {op}"
    if key in ("LABEL", "GOTO") and op != "=":
        return f"{key} takes '='"
    if key == "ATTR" and attr in ("idVendor", "idProduct") and op != "==" and op != "!=":
        return f"ATTR{{{attr}}}{op} writes the attribute: a match needs =="
    if key == "MODE" and not re.fullmatch(r"0?[0-7]{3}", value):
        return f"MODE {value!r} is not an octal mode"
    return None


def check(path):
    problems, labels, gotos = [], set(), []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for no, line in logical_lines(text):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        pairs, open_quote = split_pairs(s)
        if open_quote:
            problems.append(f"{path}:{no}: unterminated quote")
            continue
        for pair in pairs:
            # Whitespace around the operator is allowed: KEY == "value".
            norm = re.sub(r'^([A-Z]+(?:\{[^{}"]*\})?)\s*(==|!=|\+=|-=|:=|=)\s*', r"\1\2", pair)
            why = check_pair(norm) if pair else "empty pair (a stray comma)"
            if why:
                problems.append(f"{path}:{no}: {why}")
                continue
            key, _, _, value = PAIR.match(norm).groups()
            if key == "LABEL":
                labels.add(value)
            elif key == "GOTO":
                gotos.append((no, value))
    for no, target in gotos:
        if target not in labels:
            problems.append(f"{path}:{no}: GOTO \"{target}\" has no LABEL")
    return problems


def main():
    problems = [p for path in sys.argv[1:] for p in check(path)]
    for p in problems:
        print(p)
    return 1 if problems or len(sys.argv) < 2 else 0


if __name__ == "__main__":
    sys.exit(main())
