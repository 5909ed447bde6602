"""The leverage audit: a deal turned into engine calls over Monte Carlo draws, then verdicts, drivers, calibration and comparison."""
