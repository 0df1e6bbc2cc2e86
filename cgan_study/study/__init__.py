"""What one run computes: the scorer and generator artifacts (stages), classifier, metrics, strategies, tasks."""
