"""Real services for the tests that need them, started on 127.0.0.1 and stopped by pid.

A test that needs a service must fail loudly when it cannot start: nothing
here skips.  ``.ci/run`` installs the programs on a bare machine.
"""
