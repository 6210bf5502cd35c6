#!/usr/bin/env python3
# The progress a person sees (TAP). A long `safeflash update` with its standard error on a
# pseudo-terminal, against safeflash-sim with its realistic timing: the bar names the phase and
# the partition, shows bytes done of total, the rate and the time left, is redrawn at most ten
# times a second and never wider than the terminal. Without a terminal: one line per phase; with
# --json: progress events that say what they count.
# Usage: test_progress.py SAFEFLASH SAFEFLASH_SIM DATADIR
import fcntl
import glob
import json
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import xml.etree.ElementTree as ET

SF, SIM, DATA = sys.argv[1:4]
VERSION = "EC25EFAR06A19M4G_20.201.20.201"
COLUMNS = 100
n = failed = 0


def ok(good, text, detail=""):
    global n, failed
    n += 1
    if good:
        print(f"ok {n} - {text}")
    else:
        failed += 1
        print(f"not ok {n} - {text}")
        for line in str(detail).splitlines()[-25:]:
            print(f"#   {line}")
    sys.stdout.flush()


work = tempfile.mkdtemp(prefix="sf-progress.")
sims = []


def cleanup(*_):
    for p in sims:
        p.terminate()
        p.wait()
    shutil.rmtree(work, ignore_errors=True)


signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def start_sim(name, timing):
    out = open(f"{work}/{name}.out", "w")
    p = subprocess.Popen([SIM, "run", "--dir", f"{work}/{name}", "--small-images", "--timing", timing],
                         stdout=out, stderr=subprocess.STDOUT)
    sims.append(p)
    for _ in range(200):
        if "ready" in open(f"{work}/{name}.out").read():
            return True
        time.sleep(0.05)
    return False


def env_for(name):
    e = dict(os.environ)
    # the simulator's testbed, as any program reaches it: the KEY=VALUE lines of DIR/env
    for line in open(f"{work}/{name}/env").read().splitlines():
        key, _, value = line.partition("=")
        if key:
            e[key] = value
    e.update(XDG_STATE_HOME=f"{work}/state-{name}", SAFEFLASH_DATADIR=DATA,
             # a sanitized safeflash with umockdev's unsanitized preload
             ASAN_OPTIONS=":".join(filter(None, [e.get("ASAN_OPTIONS"), "verify_asan_link_order=0"])))
    return e


def on_pty(argv, env):
    """Runs argv with its standard error on a pty COLUMNS wide; returns (status, text, seconds)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, COLUMNS, 0, 0))
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=slave)
    os.close(slave)
    data = b""
    while True:
        r, _, _ = select.select([master], [], [], 1.0)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last holder of the pty's other end is gone
                break
            if not chunk:
                break
            data += chunk
        elif p.poll() is not None:
            break
    status = p.wait()
    seconds = time.monotonic() - t0
    os.close(master)
    return status, data.decode(errors="replace"), seconds


try:
    subprocess.run([SIM, "mkpkg", VERSION, "-o", f"{work}/pkg/{VERSION}", "--scale", "10"],
                   check=True, stdout=subprocess.DEVNULL)
    labels = {e.get("label") for x in glob.glob(f"{work}/pkg/{VERSION}/update/firehose/rawprogram*.xml")
              for e in ET.parse(x).getroot().iter("program")}

    # A long update: about 20 MB onto the NAND at its real rate, with the backup before it.
    ok(start_sim("real", "real"), "a simulated EC25-E with its realistic timing")
    status, text, seconds = on_pty([SF, "update", f"{work}/pkg/{VERSION}"], env_for("real"))
    ok(status == 0, f"safeflash update on a pty exits 0 ({seconds:.1f} s)", text)
    draws = text.split("\r\x1b[K")[1:]
    bar = re.compile(r"^\[[# ]{20}\] +(\d+)%  (\S+) +(\S*) +(?:([\d.]+)/([\d.]+) MB  ([\d.-]+) MB/s  "
                     r"(\d+:\d\d|-:--) left|(\d+)/(\d+))?$")
    lines = [bar.match(d.split("\n")[0]) for d in draws if d.split("\n")[0]]
    ok(draws and all(lines), f"every redraw is a bar line ({len(draws)} redraws)",
       "\n".join(repr(d[:120]) for d in draws if not bar.match(d.split("\n")[0])))
    lines = [m for m in lines if m]
    program = [m for m in lines if m.group(2) == "program" and m.group(4)]
    timed = [m for m in program if m.group(6) != "-.-"]
    ok(len(timed) >= 3, f"the program phase shows bytes, rate and time left ({len(timed)} redraws)",
       "\n".join(m.group(0) for m in lines))
    ok(all(m.group(3) in labels for m in program),
       "the partition being written is named (one of the package's)",
       "\n".join(m.group(0) for m in program) + f"\nlabels: {sorted(labels)}")
    totals = {m.group(5) for m in program}
    ok(len(totals) == 1 and all(float(m.group(4)) <= float(m.group(5)) for m in program)
       and 15 < float(next(iter(totals))) < 30,
       f"bytes done of one total for the phase ({', '.join(sorted(totals))} MB)",
       "\n".join(m.group(0) for m in program))
    rates = [float(m.group(6)) for m in timed]
    ok(rates and all(0.5 < r < 40 for r in rates),
       f"the rate is the module's, between its NAND (4 MB/s) and USB (40 MB/s) figures "
       f"({min(rates or [0]):.1f}..{max(rates or [0]):.1f} MB/s)", "\n".join(m.group(0) for m in timed))

    def secs(s):
        m, s_ = s.split(":")
        return int(m) * 60 + int(s_)
    left = [secs(m.group(7)) for m in timed]
    ok(left and left[-1] <= left[0] and left[0] <= 60,
       f"the time left counts down ({' '.join(m.group(7) for m in timed)})")
    ok(len(draws) <= 10 * seconds + 1,
       f"at most 10 redraws a second ({len(draws)} in {seconds:.1f} s)")
    ok(all(len(d.split("\n")[0]) < COLUMNS for d in draws),
       f"no bar line is wider than the terminal ({COLUMNS} columns)",
       "\n".join(d for d in draws if len(d.split("\n")[0]) >= COLUMNS))

    # Without a terminal: one line for each phase, nothing redrawn.
    ok(start_sim("none", "none"), "a second simulated EC25-E, without the timing model")
    p = subprocess.run([SF, "update", f"{work}/pkg/{VERSION}"], env=env_for("none"),
                       stdin=subprocess.DEVNULL, capture_output=True, text=True)
    phases = re.findall(r"^safeflash: (package|identify|upload|prepare|backup|erase|program|verify|"
                        r"patch|reset)\b(.*)$", p.stderr, re.M)
    names = [ph for ph, _ in phases]
    ok(p.returncode == 0 and "\r" not in p.stderr and "\x1b" not in p.stderr
       and len(names) == len(set(names)) and {"backup", "program", "verify"} <= set(names)
       and re.fullmatch(r" \([\d.]+ MB\)", dict(phases)["program"]),
       f"without a terminal, one line per phase ({' '.join(names)})", p.stderr)

    # --json: progress events, each saying what it counts.
    p = subprocess.run([SF, "backup", "--package", f"{work}/pkg/{VERSION}", "--json"], env=env_for("none"),
                       stdin=subprocess.DEVNULL,
                       capture_output=True, text=True)
    events = [json.loads(x) for x in p.stderr.splitlines() if x.startswith('{"event": "progress"')]
    ok(p.returncode == 0 and events
       and all(e["unit"] == ("bytes" if e["phase"] in ("package", "upload", "backup", "program")
                             else "steps") for e in events)
       and any(e["phase"] == "backup" and e["total"] > 0 for e in events),
       f"--json: {len(events)} progress events with their unit", p.stderr[-3000:])
finally:
    cleanup()
print(f"1..{n}")
sys.exit(1 if failed else 0)
