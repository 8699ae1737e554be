"""Reader pages served from shells: how in pages.shells, where they are kept in pages.store."""
