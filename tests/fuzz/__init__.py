"""Property-based fuzzing of the input readers."""
