#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The layer rule of design/ARCHITECTURE.md and STYLE.md (rules 1 and 15), checked on the
#include lines of the tree, in TAP:

- every folder of src/ is a layer of the table below, and no file of src/ includes a header of a
  layer above its own;
- sim/ (a second program) reuses only the library's pure codecs and utilities;
- no two files of src/ or of sim/ include each other (nor form a longer circle), and, read from
  the built objects with nm, none call each other either (a shared internal header hides such a
  circle from the #include lines).

Usage: test_layers.py SOURCE_ROOT [BUILD_DIR]
"""
import glob
import os
import re
import shutil
import subprocess
import sys

# The layers, bottom to top: each may include itself and what it lists. The chain
# cli -> update -> engine -> device -> session -> transport stands on the floor of
# proto / policy / package / history / util. Change ARCHITECTURE.md and this table together.
FLOOR = {
    "util": [],
    "proto": ["util"],
    "policy": ["util"],
    "package": ["proto", "policy", "util"],
    "history": ["policy", "util"],
}
CHAIN = ["transport", "session", "device", "engine", "update"]


def allowed_table():
    table = dict(FLOOR)
    below = []
    for layer in CHAIN:
        table[layer] = below + list(FLOOR)
        below = below + [layer]
    return table


ALLOWED = allowed_table()
# The public interface (include/safeflash/: types and entry points) and the generated config.h
# may be named from anywhere.
ANYWHERE = {"safeflash", "config.h"}
# sim/ may reuse the pure codecs (ARCHITECTURE.md: "It may reuse the pure codecs").
SIM_MAY_USE = {"proto", "util"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())


def sources(root, top):
    out = []
    for d, _, files in os.walk(os.path.join(root, top)):
        out += [os.path.join(d, f) for f in files if f.endswith((".c", ".h"))]
    return sorted(out)


def first_dir(name):
    return name.split("/", 1)[0] if "/" in name else name


def layer_problems(root):
    """(layer, file, include) for each include of src/ that runs up or sideways."""
    bad = []
    for path in sources(root, "src"):
        rel = os.path.relpath(path, os.path.join(root, "src"))
        if "/" not in rel:
            continue
        layer = first_dir(rel)
        for inc in includes(path):
            target = first_dir(inc)
            if target in ANYWHERE or target == layer:
                continue
            if layer not in ALLOWED or target not in ALLOWED[layer]:
                bad.append((layer, rel, inc))
    return bad


def unknown_layers(root):
    src = os.path.join(root, "src")
    return sorted(d for d in os.listdir(src)
                  if os.path.isdir(os.path.join(src, d)) and d not in ALLOWED)


def sim_problems(root):
    bad = []
    for path in sources(root, "sim"):
        for inc in includes(path):
            if "/" in inc and first_dir(inc) not in SIM_MAY_USE | ANYWHERE:
                bad.append((os.path.relpath(path, root), inc))
    return bad


def module_of(path):
    """A file and its header are one module: src/engine/job.c and job.h; foo-internal.h is
    foo's."""
    base = os.path.splitext(path)[0]
    return base[: -len("-internal")] if base.endswith("-internal") else base


def resolve(root, path, inc):
    for d in (os.path.dirname(path), os.path.join(root, "src"), os.path.join(root, "include")):
        p = os.path.normpath(os.path.join(d, inc))
        if os.path.isfile(p):
            return p
    return None


def module_graph(root, top):
    graph = {}
    for path in sources(root, top):
        m = module_of(os.path.relpath(path, root))
        deps = graph.setdefault(m, set())
        for inc in includes(path):
            p = resolve(root, path, inc)
            if p and os.path.relpath(p, root).startswith(top + "/"):
                t = module_of(os.path.relpath(p, root))
                if t != m:
                    deps.add(t)
    return graph


def circles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


# Where the build keeps each program's objects, and how an object's name gives its source.
OBJECTS = {"src": "src/libsafeflash-internal.a.p", "sim": "sim/libsimcore.a.p"}


def object_source(top, obj):
    name = os.path.basename(obj)[: -len(".o")]
    return f"{top}/" + (name.replace("_", "/", 1) if top == "src" else name)


def call_graph(build, top):
    """Source file -> the source files whose functions it calls, or None without objects."""
    objs = sorted(glob.glob(os.path.join(build, OBJECTS[top], "*.o")))
    if not objs or not shutil.which("nm"):
        return None
    # One nm for all: "OBJECT: [ADDRESS] TYPE SYMBOL" for the external symbols, U when used.
    out = subprocess.run(["nm", "-A", "-g", *objs], capture_output=True, text=True,
                         check=True).stdout
    owner, used = {}, {}
    for line in out.splitlines():
        obj, _, rest = line.partition(".o:")
        fields = rest.split()
        if len(fields) < 2:
            continue
        me = object_source(top, obj + ".o")
        if fields[-2] == "U":
            used.setdefault(me, set()).add(fields[-1])
        else:
            owner[fields[-1]] = me
    return {me: {owner[s] for s in syms if s in owner and owner[s] != me}
            for me, syms in used.items()}


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def skip(self, name, why):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {why}")

    def check(self, ok, name, diagnostics=()):
        self.n += 1
        print(("ok" if ok else "not ok") + f" {self.n} - {name}")
        for d in diagnostics:
            print(f"# {d}")
        if not ok:
            self.failed += 1

    def finish(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    root = sys.argv[1]
    build = sys.argv[2] if len(sys.argv) == 3 else None
    tap = Tap()
    unknown = unknown_layers(root)
    tap.check(not unknown, "every folder of src/ is a layer of the table",
              [f"src/{d}/: not in the table of tests/layers/test_layers.py" for d in unknown])
    bad = layer_problems(root)
    for layer in list(FLOOR) + CHAIN:
        mine = [b for b in bad if b[0] == layer]
        tap.check(not mine, f"src/{layer}/ includes only {layer}/, "
                  + (", ".join(ALLOWED[layer]) or "nothing else") + " and safeflash/",
                  [f"src/{rel} includes \"{inc}\": a layer above or beside its own"
                   for _, rel, inc in mine])
    sim = sim_problems(root)
    tap.check(not sim, "sim/ reuses only proto/ and util/ of the library",
              [f"{rel} includes \"{inc}\"" for rel, inc in sim])
    for top in ("src", "sim"):
        found = circles(module_graph(root, top))
        tap.check(not found, f"no files of {top}/ include each other, directly or in a circle",
                  [" <-> ".join(c) for c in found])
    for top in ("src", "sim"):
        name = f"no files of {top}/ call each other, directly or in a circle (nm)"
        graph = call_graph(build, top) if build else None
        if graph is None:
            tap.skip(name, "no build objects or no nm")
            continue
        found = circles(graph)
        tap.check(not found, name, [" <-> ".join(c) for c in found])
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
