"""Accounts: the user model (email is the identifier) and the allauth adapter."""
