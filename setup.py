"""Only what pyproject.toml cannot say lives here: the C parts in cext/.

- `scopeprobe.procfs._scopeproc`: the probe's /proc fast paths, a cffi module (cext/build_scopeproc.py);
- `scopecore.report._cmerge`, `scopecore.codec._cdecode`, `scopecore.render._csummary`: node merging, the usual
  node's decoding and summary rows, on CPython's C API (cext/cmerge.c, cdecode.c, csummary.c).

Both are optional: without a compiler the install still succeeds and the Python code paths are used.
"""

from setuptools import Extension, setup

setup(
    cffi_modules=["cext/build_scopeproc.py:ffibuilder"],
    ext_modules=[
        Extension(
            name,
            [source],
            depends=["cext/report_types.h"],
            extra_compile_args=["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
            optional=True,
        )
        for name, source in [("scopecore.report._cmerge", "cext/cmerge.c"),
                             ("scopecore.codec._cdecode", "cext/cdecode.c"),
                             ("scopecore.render._csummary", "cext/csummary.c")]
    ],
)
