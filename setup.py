"""Only what pyproject.toml cannot say lives here (the cffi build of cext/ arrives with the probe)."""

from setuptools import setup

setup()
