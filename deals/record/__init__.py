"""The record: what the parties actually did, and the model read against it.

:mod:`deals.record.events` reads a record (who signed or refused which terms, and when);
:mod:`deals.record.condition` updates the parameter distribution on it; the backtest and the
library's timeline build on the two.
"""
