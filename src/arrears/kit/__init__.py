"""Small shared helpers: money, errors, masking, encryption."""
