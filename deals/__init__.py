"""deals: bilateral AI-chip export deals as parameterized games, and the leverage audit."""
