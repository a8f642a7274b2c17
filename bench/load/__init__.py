"""Load on the WeChat webhook (`python -m bench.load`); the parts are described in `__main__`."""
