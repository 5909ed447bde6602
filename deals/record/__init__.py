"""The sourced record: facts with dates and sources (``facts``), read by the deal files' citations.

``deals.record.facts`` reads ``deals/record/facts.toml``; see that module for its API.
"""
