"""Benchmarks of sse-codec beside the other Python SSE parsers (see ``bench.py``)."""
