"""Network back ends of the virtual module: real host sockets, DNS, ping and NTP.

The engine talks to a back end only through :class:`modemu.net.base.NetBackend`; results come
back as :mod:`modemu.net.base` events. No AT text is formatted here.
"""
