"""`python -m hf_core_torch` runs the JSON-lines worker (see worker.py)."""

from .worker import main

main()
