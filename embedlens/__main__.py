"""``python -m embedlens`` runs the command line."""

from embedlens.cli import main

if __name__ == "__main__":  # not when a worker process imports the main module
    raise SystemExit(main())
