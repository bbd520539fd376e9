"""Collects the code examples of docs/ as tests (see tests/docs_examples.py)."""

from tests.docs_examples import docs_examples

pytest_collect_file = docs_examples.pytest()
