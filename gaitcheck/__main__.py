"""`python -m gaitcheck` is the same as the `gaitcheck` command."""

import sys

from gaitcheck.cli import main

sys.exit(main())
