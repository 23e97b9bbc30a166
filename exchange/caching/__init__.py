"""What visitors see, served from memory while the data behind it is unchanged (the data version)."""
