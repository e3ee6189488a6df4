"""Only what pyproject.toml cannot say lives here: the cffi build of cext/ (scopeprobe.procfs._scopeproc).

The extension is optional (cext/build_scopeproc.py): without cffi or a compiler the install still succeeds and the
probe uses its pure-Python parsers.
"""

from setuptools import setup

setup(cffi_modules=["cext/build_scopeproc.py:ffibuilder"])
