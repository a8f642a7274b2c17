"""Calling fitted scikit-learn models one message at a time.

scikit-learn checks every call's arguments (parameter constraints, array dtype and finiteness, feature
names): for one short message that checking costs more than the transform itself (about a third of the
pipeline's NLU time under load, measured with py-spy). Our calls pass our own fitted vectorizers' output to
our own fitted models, so the checks cannot find anything; they are skipped around these calls only.
scikit-learn's configuration is per thread, and the pipeline calls the NLU from a thread pool: hence a
context around each call rather than a setting made once at start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sklearn import config_context


@contextmanager
def unchecked() -> Iterator[None]:
    with config_context(assume_finite=True, skip_parameter_validation=True):
        yield
