"""What WebDriver cannot do with the app's top-level X window: close it the way a window
manager's close button does, and tell whether it is shown.
  x11-window.py close TITLE [TIMEOUT]  sends WM_DELETE_WINDOW to the one shown window called
                                       TITLE and waits until it is unmapped (hidden, or gone
                                       with its app: the caller tells which);
  x11-window.py shown TITLE [TIMEOUT]  waits until a window called TITLE is shown.
Exits 0 when that happened, 1 otherwise (no such window, or not by the timeout)."""

import select
import sys
import time

from Xlib import X, display, error, protocol

action, title = sys.argv[1], sys.argv[2]
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
deadline = time.monotonic() + timeout

screen = display.Display()
root = screen.screen().root
root.change_attributes(event_mask=X.SubstructureNotifyMask)


def shown():
    found = []
    for window in root.query_tree().children:
        try:
            name = window.get_wm_name()
            if isinstance(name, bytes):
                name = name.decode("utf-8", "replace")
            if name == title and window.get_attributes().map_state == X.IsViewable:
                found.append(window)
        except error.XError:
            continue
    return found


def wait_for_unmap(window):
    while time.monotonic() < deadline:
        while screen.pending_events():
            event = screen.next_event()
            if event.type == X.UnmapNotify and event.window.id == window.id:
                return True
        select.select([screen.fileno()], [], [], 0.1)
    return False


if action == "close":
    windows = shown()
    if len(windows) != 1:
        sys.exit(f"expected one shown window called {title!r}, found {len(windows)}")
    protocols = screen.intern_atom("WM_PROTOCOLS")
    delete = screen.intern_atom("WM_DELETE_WINDOW")
    windows[0].send_event(
        protocol.event.ClientMessage(
            window=windows[0], client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
        )
    )
    screen.flush()
    if not wait_for_unmap(windows[0]):
        sys.exit(f"{title!r} was still shown after {timeout} s")
elif action == "shown":
    while not shown():
        if time.monotonic() > deadline:
            sys.exit(f"no window called {title!r} was shown within {timeout} s")
        time.sleep(0.1)
else:
    sys.exit(f"unknown action {action!r}: close or shown")
