"""``python -m contactflow_automizy``: the same command line as ``contactflow-automizy``."""

from contactflow_automizy.cli import main

raise SystemExit(main())
