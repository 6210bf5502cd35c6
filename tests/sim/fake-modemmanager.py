# A stand-in for ModemManager on a test bus: it owns org.freedesktop.ModemManager1 and answers
# InhibitDevice(uid, inhibit) the way ModemManager does, writing each call to a log.
# Usage: fake-modemmanager.py BUS_ADDRESS LOG MODE   (MODE: ok | refuse | unknown)
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

address, log, mode = sys.argv[1:4]
dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(address)
IFACE = "org.freedesktop.ModemManager1"


class Manager(dbus.service.Object):
    @dbus.service.method(IFACE, in_signature="sb", sender_keyword="sender")
    def InhibitDevice(self, uid, inhibit, sender=None):
        with open(log, "a") as f:
            f.write("InhibitDevice %s %s\n" % (uid, "true" if inhibit else "false"))
        if mode == "refuse":
            raise dbus.exceptions.DBusException(
                "the modem is busy", name=IFACE + ".Error.Core.Unauthorized")
        if mode == "unknown":
            raise dbus.exceptions.DBusException(
                "no such device", name=IFACE + ".Error.Core.NotFound")


name = dbus.service.BusName(IFACE, bus)
Manager(bus, "/org/freedesktop/ModemManager1")
print("ready", flush=True)
GLib.MainLoop().run()
