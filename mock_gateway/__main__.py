"""`python -m mock_gateway ...`: the same as the `mock-gateway` command."""

import sys

from .launch import main

sys.exit(main())
