"""Startup benchmark of the desktop app against a bare WebKitGTK window (run it through
scripts/startup-bench.sh, which installs what it needs and starts Xvfb and a D-Bus session).

For each run, of the app (fresh data, config and cache directories) and of the bare window:
- mapped: from the start of the process until the X server maps its top-level window
  (a MapNotify seen on the root window);
- first paint: until the window first shows its first screen as it finally looks. The window
  is captured every --interval seconds until --settle seconds after the start; the last capture
  is the settled first screen, and the first paint is the first capture whose rows all equal
  the settled one's but for at most a tenth of the rows the first mapped (empty) frame differed
  in (room for a blinking caret; none for the bare window's single line of text). A "starting"
  placeholder, a half-laid-out page or a font swapped late do not count as painted;
- idle PSS after --idle seconds, summed over the process and everything it started (the app or
  Python, the WebKit web process, the network process), from /proc/<pid>/smaps_rollup; and the
  CPU they used between the settled screen and that moment (/proc/<pid>/stat), in % of a core;
- app only: the window closed (WM_DELETE_WINDOW, as the window manager's close button sends),
  which keeps the app in the tray; PSS again after --idle seconds; then a second launch (what
  a desktop without a tray icon, and the single-instance path, use to bring it back) and the
  time until the window is mapped and shows the same screen again.
Nothing is asserted: the figures are printed as a Markdown table (min / median / max).
STARTUP_BENCH_TRACE=1 also logs, per run, when the captures changed and how many rows each
differed from the settled screen in.
"""

import argparse
import glob
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from Xlib import X, display, error, protocol

HERE = os.path.dirname(os.path.abspath(__file__))
APP_TITLE = "Integration Manager"
BARE_TITLE = "Bare WebKitGTK"


def log(message):
    print(message, file=sys.stderr, flush=True)


class Screen:
    """The X connection: watches the root window for maps and captures windows."""

    def __init__(self):
        self.display = display.Display()
        self.root = self.display.screen().root
        self.root.change_attributes(event_mask=X.SubstructureNotifyMask)
        self.display.sync()

    def drain(self):
        while self.display.pending_events():
            self.display.next_event()

    def name(self, window):
        try:
            name = window.get_wm_name()
            if isinstance(name, bytes):
                name = name.decode("utf-8", "replace")
            return name
        except error.XError:
            return None

    def wait_for(self, event_type, title, deadline, window=None):
        """The window (and the time) of the first `event_type` on a top-level window called
        `title` (or on `window`), or (None, None) at the deadline."""
        while time.monotonic() < deadline:
            while self.display.pending_events():
                event = self.display.next_event()
                if event.type != event_type:
                    continue
                seen = time.monotonic()
                if window is not None:
                    if event.window.id == window.id:
                        return event.window, seen
                elif self.name(event.window) == title:
                    return event.window, seen
            select.select([self.display.fileno()], [], [], 0.02)
        return None, None

    def rows(self, window):
        """The window's pixels as one hash per row (None when it cannot be read)."""
        try:
            geometry = window.get_geometry()
            image = window.get_image(0, 0, geometry.width, geometry.height, X.ZPixmap, 0xFFFFFFFF)
        except error.XError:
            return None
        data = image.data
        stride = len(data) // geometry.height
        return tuple(hash(data[i : i + stride]) for i in range(0, stride * geometry.height, stride))

    def close(self, window):
        protocols = self.display.intern_atom("WM_PROTOCOLS")
        delete = self.display.intern_atom("WM_DELETE_WINDOW")
        event = protocol.event.ClientMessage(
            window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
        )
        window.send_event(event)
        self.display.flush()


def differing(a, b):
    if a is None or b is None or len(a) != len(b):
        return len(a or b or ())
    return sum(1 for x, y in zip(a, b) if x != y)


def capture_until(screen, window, until, interval):
    frames = []
    while time.monotonic() < until:
        rows = screen.rows(window)
        if rows is not None:
            frames.append((time.monotonic(), rows))
        time.sleep(interval)
    return frames


def first_paint(frames, start, reference=None):
    """Seconds from `start` to the first frame showing the settled screen (see the module)."""
    if not frames:
        return None
    settled = reference if reference is not None else frames[-1][1]
    empty = differing(frames[0][1], settled)
    allowed = empty // 10
    if os.environ.get("STARTUP_BENCH_TRACE"):
        changes, last = [], None
        for at, rows in frames:
            rows_off = differing(rows, settled)
            if rows_off != last:
                changes.append(f"{at - start:.2f}s:{rows_off}")
                last = rows_off
        log(f"  rows off the settled screen (of {len(settled)}): {' '.join(changes)}")
    for at, rows in frames:
        if differing(rows, settled) <= allowed:
            return at - start
    return None


def stat_fields(process):
    """The fields of /proc/<process>/stat after the command's name, or None once it is gone."""
    try:
        with open(f"/proc/{process}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        fields = stat_fields(entry) if entry.isdigit() else None
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, []))
    return found


def pss_by_process(pid):
    """{name: PSS in MB} over `pid` and its descendants (names repeated are summed)."""
    figures = {}
    for process in descendants(pid):
        try:
            with open(f"/proc/{process}/comm") as comm:
                name = comm.read().strip()
            with open(f"/proc/{process}/smaps_rollup") as rollup:
                pss = next(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
        figures[name] = figures.get(name, 0) + pss / 1024
    return figures


def cpu_seconds(pid):
    """CPU time (user + system) used so far by `pid` and each of its descendants."""
    used = {}
    for process in descendants(pid):
        fields = stat_fields(process)
        if fields is not None:
            used[process] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def cpu_share(pid, since, since_time):
    """The share of a core used by the processes alive now since `since` (a process that ended
    in between, such as the web process let go in the tray, is not counted)."""
    now = cpu_seconds(pid)
    spent = sum(seconds - since.get(process, 0.0) for process, seconds in now.items())
    return spent / (time.monotonic() - since_time)


def stop(process):
    tree = descendants(process.pid)
    for pid in reversed(tree):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pid in tree:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def fresh_env(scratch):
    env = dict(os.environ)
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        path = os.path.join(scratch, var.lower())
        os.makedirs(path)
        env[var] = path
    env.pop("INTEGRATIONS_DATA_DIR", None)
    env.pop("DATABASE_URL", None)
    return env


PHASES = re.compile(
    r"first screen rendered (?P<rendered_at>\d+) ms after the process started; the page's own "
    r"clock: HTML (?P<html>[\d.]+) ms, script running (?P<script>[\d.]+) ms, core answered "
    r"(?P<core>[\d.]+) ms, rendered (?P<rendered>[\d.]+) ms"
)
CORE_READY = re.compile(r"core ready in (\d+) ms")


def app_phases(scratch):
    """Where the app's start went, from the lines its log has of the first run (the app logs
    them; see src-tauri/first_screen.rs), in ms after the process started."""
    text = ""
    for path in glob.glob(os.path.join(scratch, "**", "*.log"), recursive=True):
        with open(path, encoding="utf-8", errors="replace") as log_file:
            text += log_file.read()
    phases = {}
    found = PHASES.search(text)
    if found:
        rendered_at = float(found["rendered_at"])
        page_started = rendered_at - float(found["rendered"])
        phases = {
            "page started": page_started,
            "HTML loaded": page_started + float(found["html"]),
            "script running": page_started + float(found["script"]),
            "core answered": page_started + float(found["core"]),
            "first screen rendered": rendered_at,
        }
    ready = CORE_READY.search(text)
    if ready:
        phases["core open (ms it took)"] = float(ready[1])
    return phases


def run_once(screen, command, title, args, tray):
    scratch = tempfile.mkdtemp(prefix="startup-bench-")
    env = fresh_env(scratch)
    result = {}
    screen.drain()
    start = time.monotonic()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        window, mapped = screen.wait_for(X.MapNotify, title, start + args.settle)
        if window is None:
            log(f"  {title}: no window within {args.settle} s")
            return result
        result["mapped"] = mapped - start
        frames = capture_until(screen, window, start + args.settle, args.interval)
        result["paint"] = first_paint(frames, start)
        settled = frames[-1][1] if frames else None
        idle_from, cpu_from = time.monotonic(), cpu_seconds(process.pid)
        time.sleep(max(0.0, start + args.idle - time.monotonic()))
        result["pss"] = pss_by_process(process.pid)
        result["idle_cpu"] = cpu_share(process.pid, cpu_from, idle_from)
        if tray:
            screen.drain()
            screen.close(window)
            hidden, _ = screen.wait_for(X.UnmapNotify, title, time.monotonic() + 10, window)
            if hidden is None or process.poll() is not None:
                log("  closing did not keep the app in the tray")
                return result
            closed, cpu_from = time.monotonic(), cpu_seconds(process.pid)
            time.sleep(args.idle)
            result["tray_pss"] = pss_by_process(process.pid)
            result["tray_cpu"] = cpu_share(process.pid, cpu_from, closed)
            screen.drain()
            reopen = time.monotonic()
            second = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            window, mapped = screen.wait_for(X.MapNotify, title, reopen + args.settle)
            if window is not None:
                result["reopen_mapped"] = mapped - reopen
                frames = capture_until(screen, window, reopen + args.settle / 2, args.interval)
                result["reopen_paint"] = first_paint(frames, reopen, settled)
            try:
                second.wait(timeout=10)
            except subprocess.TimeoutExpired:
                stop(second)
        return result
    finally:
        stop(process)
        if title == APP_TITLE:
            result["phases"] = app_phases(scratch)
        shutil.rmtree(scratch, ignore_errors=True)


def load():
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def spread(values, unit, scale=1.0, digits=2):
    values = [v * scale for v in values if v is not None]
    if not values:
        return "–"
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{low:.{digits}f} / {mid:.{digits}f} / {high:.{digits}f} {unit}"


def pss_parts(results, key):
    names = sorted({name for r in results if key in r for name in r[key]})
    parts = []
    for name in names:
        values = [r[key].get(name, 0.0) for r in results if key in r]
        parts.append(f"{name} {statistics.median(values):.0f}")
    return ", ".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="the release binary")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--settle", type=float, default=12.0, help="seconds until the screen is final")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds before PSS is read")
    parser.add_argument("--interval", type=float, default=0.03, help="seconds between captures")
    parser.add_argument("--no-tray", action="store_true", help="skip the closed-to-tray figures")
    parser.add_argument("--only", choices=["app", "bare"], help="measure one of the two")
    args = parser.parse_args()

    screen = Screen()
    bare_command = [sys.executable, os.path.join(HERE, "bare_webkit.py"), BARE_TITLE]
    results = {"bare": [], "app": []}
    load_before = load()
    for run in range(args.runs):
        for kind in ("bare", "app"):
            if args.only and args.only != kind:
                continue
            log(f"run {run + 1}/{args.runs}: {kind} (load {load()})")
            if kind == "bare":
                result = run_once(screen, bare_command, BARE_TITLE, args, tray=False)
            else:
                result = run_once(screen, [args.app], APP_TITLE, args, tray=not args.no_tray)
            log(f"  {result}")
            results[kind].append(result)
    load_after = load()

    def column(kind, key, **kw):
        return spread([r.get(key) for r in results[kind]], **kw)

    def total(kind, key):
        return [sum(r[key].values()) if key in r else None for r in results[kind]]

    print(f"runs: {args.runs} each; load average before {load_before}, after {load_after}; "
          f"{os.cpu_count()} cores")
    print()
    print("| min / median / max | bare WebKitGTK 4.1 window | Integration Manager |")
    print("|:--|--:|--:|")
    print(f"| window mapped | {column('bare', 'mapped', unit='s')} | {column('app', 'mapped', unit='s')} |")
    print(f"| first paint | {column('bare', 'paint', unit='s')} | {column('app', 'paint', unit='s')} |")
    print(f"| idle PSS after {args.idle:.0f} s, window open | "
          f"{spread(total('bare', 'pss'), 'MB', digits=0)} | {spread(total('app', 'pss'), 'MB', digits=0)} |")
    print(f"| (median per process, MB) | {pss_parts(results['bare'], 'pss')} | {pss_parts(results['app'], 'pss')} |")
    print(f"| CPU while idle, window open (% of a core) | {column('bare', 'idle_cpu', unit='%', scale=100, digits=1)} | "
          f"{column('app', 'idle_cpu', unit='%', scale=100, digits=1)} |")
    if not args.no_tray:
        print(f"| idle PSS {args.idle:.0f} s after closing to the tray | | "
              f"{spread(total('app', 'tray_pss'), 'MB', digits=0)} |")
        print(f"| (median per process, MB) | | {pss_parts(results['app'], 'tray_pss')} |")
        print(f"| CPU while idle in the tray (% of a core) | | {column('app', 'tray_cpu', unit='%', scale=100, digits=1)} |")
        print(f"| reopened (second launch): mapped | | {column('app', 'reopen_mapped', unit='s')} |")
        print(f"| reopened: the screen shown again | | {column('app', 'reopen_paint', unit='s')} |")
    phase_names = [name for r in results["app"] for name in r.get("phases", {})]
    if phase_names:
        print()
        print("The app's start from its log (ms after the process started; min / median / max):")
        print()
        for name in dict.fromkeys(phase_names):
            values = [r["phases"].get(name) for r in results["app"] if "phases" in r]
            print(f"- {name}: {spread(values, 'ms', digits=0)}")
    bare_paint = [r.get("paint") for r in results["bare"] if r.get("paint") is not None]
    app_paint = [r.get("paint") for r in results["app"] if r.get("paint") is not None]
    if bare_paint and app_paint:
        print()
        print(f"first paint, median app / median bare: "
              f"{statistics.median(app_paint) / statistics.median(bare_paint):.2f}×")


if __name__ == "__main__":
    main()
