"""`python -m tunelab.experiments` = `tunelab-run`."""

from tunelab.experiments.app import main

main()
