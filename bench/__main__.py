"""`python -m bench SCENARIO... | all | --smoke`: see bench.cli."""

import sys

from bench.cli import main

sys.exit(main())
