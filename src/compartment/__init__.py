"""compartment: a ledger of cooperation dossiers between Russia and the West."""

__version__ = "0.2.0"
