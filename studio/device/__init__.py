"""Toolchains and boards at run time: build, size, flash, emulate, serial."""
