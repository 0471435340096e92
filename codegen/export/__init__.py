"""Exports of a pipeline into the user's own firmware: a C library with a stable API, and the same
library packaged as an Arduino library, a PlatformIO project and a Zephyr module."""
