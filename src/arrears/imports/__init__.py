"""Importers for sample and partner data, plus the synthetic identities that sample data needs."""
