import sys

from nq57.cli import main

sys.exit(main())
