"""Arrears: collections platform for card issuers."""

import os

__version__ = "0.1.0"

# OpenMP threads (LightGBM's training, scikit-learn) that wait for work by spinning take the cores from
# everything else on a busy machine, and from each other: a 3,000-account training with two threads took
# 4 min 42 s beside other work (load average 13), 28 s with waiting threads sleeping. Set before any
# OpenMP runtime loads; an operator's own OMP_WAIT_POLICY wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
