"""Helpers the tests share that the product does not need: readers of what it writes, evaluators of what AWS runs."""
