"""Only what pyproject.toml cannot say lives here: the C parts in cext/.

- `scopeprobe.procfs._scopeproc`: the probe's /proc fast paths, a cffi module (cext/build_scopeproc.py);
- `scopecore.report._cmerge`: the C twin of node merging, on CPython's C API (cext/cmerge.c).

Both are optional: without a compiler the install still succeeds and the Python code paths are used.
"""

from setuptools import Extension, setup

setup(
    cffi_modules=["cext/build_scopeproc.py:ffibuilder"],
    ext_modules=[
        Extension(
            "scopecore.report._cmerge",
            ["cext/cmerge.c"],
            extra_compile_args=["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
            optional=True,
        )
    ],
)
