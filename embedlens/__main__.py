"""``python -m embedlens`` runs the command line."""

from embedlens.cli import main

raise SystemExit(main())
