"""``python -m spacecraft_data`` runs the CLI."""

import sys

from .cli import main

sys.exit(main())
