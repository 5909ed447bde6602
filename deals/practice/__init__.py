"""Negotiation practice: a deal at the table against an agent, in the terminal or a notebook."""
