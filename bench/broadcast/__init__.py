"""The broadcast benchmark, run as `python -m bench.broadcast`; the parts are described in `__main__`."""
