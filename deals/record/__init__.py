"""The record as data: the sourced facts the deal files cite, what the parties did, and the model
read against it.

:mod:`deals.record.facts` reads ``deals/record/facts.toml`` (one row per fact, with its date and
source); :mod:`deals.record.events` reads a record of what the parties did (who signed or
refused which terms, and when); :mod:`deals.record.condition` updates the parameter
distribution on it; the backtest (:mod:`deals.record.backtest`) and the library's timeline
(:mod:`deals.record.timeline`) build on the two.
"""
