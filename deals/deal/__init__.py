"""The deal model: issues, parameters, utilities and terms; reading and writing deal files; the deal's games and bargaining problem."""
