"""Build of the optional compiled kernels; everything else is declared in pyproject.toml.

games/normal_form/equilibria/_*.c, games/decisions/_allocation.c, games/optimise/_maximin.c,
games/optimise/_nash_product.c, games/bargaining/_ask.c and games/_fused.c need only a C
compiler and the Python headers (arrays pass through the buffer protocol, so no NumPy
headers). The extensions are optional: if one does not build, ``pip install .`` still
installs the package and the solvers
use their pure-NumPy paths (games.normal_form.equilibria.kernels says which one is in use for
the equilibria; the budget allocation's modules fall back on their NumPy loops where
games.decisions._allocation is missing, games.optimise.maximin.linear_maximin,
games.optimise.nash_product.linear_nash_product and games.bargaining.ask.line_candidates on
their NumPy code where games.optimise._maximin, games.optimise._nash_product or
games.bargaining._ask is; games.fused leaves the expressions' generated NumPy functions
to run themselves where games._fused is).
For a source checkout:  pip install -e .  (or, with setuptools 77 or newer, which reads
pyproject.toml's licence field:  python setup.py build_ext --inplace)
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildKernels(build_ext):
    """Turn off fused multiply-add, so the compiled loops round exactly as NumPy does."""

    def build_extensions(self):
        if self.compiler.compiler_type == "unix":
            for extension in self.extensions:
                extension.extra_compile_args += ["-O3", "-ffp-contract=off"]
        super().build_extensions()


HERE = "games/normal_form/equilibria/"

setup(
    ext_modules=[Extension(
        "games.normal_form.equilibria._kernels",
        [HERE + name for name in ("_kernels.c", "_pivoting.c", "_polytope.c", "_vertex_pairs.c",
                                  "_envelope.c", "_checked.c")],
        depends=[HERE + "_kernels.h"], optional=True),
        Extension("games.decisions._allocation", ["games/decisions/_allocation.c"],
                  depends=["games/_compiled.h"], optional=True),
        Extension("games.optimise._maximin", ["games/optimise/_maximin.c"],
                  depends=["games/_compiled.h"], optional=True),
        Extension("games.optimise._nash_product", ["games/optimise/_nash_product.c"],
                  depends=["games/_compiled.h"], optional=True),
        Extension("games.bargaining._ask", ["games/bargaining/_ask.c"],
                  depends=["games/_compiled.h"], optional=True),
        Extension("games._fused", ["games/_fused.c"], depends=["games/_compiled.h"],
                  optional=True)],
    cmdclass={"build_ext": BuildKernels},
)
