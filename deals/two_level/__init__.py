"""Two-level games: each side's actors at home, and each side's beliefs about the other."""
