"""Run the command line with ``python -m trends``."""

import sys

from trends.cli import main

sys.exit(main())
