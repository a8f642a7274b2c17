"""Fault scripts, run as `python -m bench.faults.<name>`: each breaks one part mid-run and reports what was lost."""
