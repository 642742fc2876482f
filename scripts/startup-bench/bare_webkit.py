"""The yardstick for the startup benchmark: a bare WebKitGTK 4.1 window showing one line of HTML,
the same size as the app's window. Whatever it costs (time to map, to paint, memory) is what
WebKit itself costs on this machine; the app is measured against it."""

import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

TITLE = sys.argv[1] if len(sys.argv) > 1 else "Bare WebKitGTK"

window = Gtk.Window(title=TITLE)
window.set_default_size(1200, 800)
view = WebKit2.WebView()
view.load_html("<p>Bare WebKitGTK 4.1 window, one line of HTML.</p>", "about:blank")
window.add(view)
window.connect("destroy", Gtk.main_quit)
window.show_all()
Gtk.main()
