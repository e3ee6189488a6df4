"""cffi build of scopeprobe.procfs._scopeproc (API mode), from scopeproc.h (the cdef, verbatim) and scopeproc.c.

setup.py builds it through `cffi_modules` (pip install -e puts it in src/scopeprobe/procfs/ as .abi3.so);
`python cext/build_scopeproc.py` builds it in place, for a checkout without reinstalling.
The extension is optional (`optional=True` reaches setuptools' Extension): if it does not compile, the install
goes on and the probe uses the pure-Python parsers (scopeprobe.procfs.native picks whichever is importable).
"""

import shutil
import tempfile
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent

ffibuilder = FFI()
ffibuilder.cdef((HERE / "scopeproc.h").read_text())
ffibuilder.set_source(
    "scopeprobe.procfs._scopeproc",
    (HERE / "scopeproc.c").read_text(),  # pyca/cryptography's build_padding.py pattern: the .c is the source
    include_dirs=[str(HERE)],
    extra_compile_args=["-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
    optional=True,
)

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(ffibuilder.compile(tmpdir=tmp, verbose=True))
        dest = HERE.parent / "src" / "scopeprobe" / "procfs" / built.name
        for stale in dest.parent.glob("_scopeproc*.so"):  # pip's editable build names it .abi3.so
            stale.unlink()
        shutil.copyfile(built, dest)
        print(f"built {dest}")
