"""Identity matching engine (pure Python)."""
