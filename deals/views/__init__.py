"""What a person sees: tables, figures, spreadsheets, and the concession explorer."""
