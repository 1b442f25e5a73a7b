"""spaCy's matrix products on numpy's BLAS instead of thinc's bundled blis.

thinc's CPU ops (`NumpyOps`) multiply matrices with cython-blis. numpy's own BLAS (OpenBLAS in the PyPI
wheels, MKL or Accelerate in other builds) computes the same product several times faster on one thread
on the machines measured here (3.5x for a 700x288 by 288x288 float32 product), and the pipeline's
tok2vec layers and the parser's lower layer are mostly such products: en_core_web_sm parses the
negated documents of the benchmark 1.7x faster with it, one thread each.

`install(nlp)` gives every model node of a loaded pipeline whose ops are exactly thinc's NumpyOps an
instance of `BlasOps`, which is NumpyOps with thinc's generic `Ops.gemm` (numpy.dot). Every other
operation stays thinc's. Ops of another kind (a GPU's, Apple's) are left alone. The two products can
differ in the last bit of a float: tests/test_scale.py holds the parses of labelled-corpus sentences
to a stock pipeline's (tags, dependencies, heads, sentence starts), and the findings on the negated
and real corpora were byte-identical with both. NEGAUDIT_BLIS=1 keeps blis.
"""
from __future__ import annotations

import os

from thinc.api import NumpyOps
from thinc.backends.ops import Ops


class BlasOps(NumpyOps):
    """thinc's NumpyOps, with the matrix product of thinc's generic Ops (numpy.dot)."""

    name = "numpy-blas"

    def gemm(self, x, y, out=None, trans1=False, trans2=False):
        return Ops.gemm(self, x, y, out=out, trans1=trans1, trans2=trans2)


def install(nlp) -> None:
    """Route the pipeline's matrix products through numpy. (Imported only once spaCy is loaded: thinc
    comes with it.)"""
    if os.environ.get("NEGAUDIT_BLIS"):
        return
    ops = BlasOps()
    for _name, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in model.walk():
            if type(node.ops) is NumpyOps:
                node.ops = ops
