"""Question banks: one YAML file per role, validated by ``schema.QuestionBank``."""
