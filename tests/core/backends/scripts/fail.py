"""Reports once, writes 30 numbered lines to stderr and exits with code 3."""

from __future__ import annotations

import sys

print('[tunelab-metric]: {"step": 1}')
for index in range(30):
    print(f"line {index}", file=sys.stderr)
sys.exit(3)
