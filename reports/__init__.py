"""Exports of an interview: assessments in, bytes out (text in the reference layout, Markdown, JSON, CSV, PDF).

Pure: no models, no database, no Streamlit. ``reports.render`` renders; ``python -m reports`` is its
command line.
"""
