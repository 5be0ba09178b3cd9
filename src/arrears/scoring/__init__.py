"""Scoring: features, training, compiled scorer, evaluation and drift."""
