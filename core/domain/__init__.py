"""Pure facts every app shares (currencies, countries): standard library only, no Django."""
