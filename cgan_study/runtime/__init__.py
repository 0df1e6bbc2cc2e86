"""The machinery that runs a sweep: grid combinators, the executor and its backends, the results store, faults."""
