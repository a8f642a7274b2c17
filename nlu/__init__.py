"""Understanding residents: Rasa-format training data, classifiers and entity extraction."""
