"""Test-session settings shared by every test module and doctest."""

import os

# Two xdist workers share the CI's two cores: OpenMP workers spinning after numba's parallel
# kernels would starve torch's threads in the same process (seen: model tests up to 20x slower).
# Set before numba or torch load their OpenMP runtime; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
