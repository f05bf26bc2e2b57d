"""Question banks: one YAML file per role, validated by ``schema.QuestionBank``.

``loader`` reads and validates the banks, ``csv_io`` turns a bank into a spreadsheet and back,
``requirements`` reads a job description and ``plans`` chooses the questions of an interview.
"""
