import sys

from polls.cli import main

sys.exit(main())
