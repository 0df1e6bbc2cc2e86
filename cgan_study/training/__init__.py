"""Generic training utilities every Keras generator shares: resumable fit() and its callbacks."""
