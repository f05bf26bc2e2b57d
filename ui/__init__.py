"""Streamlit-side shared code: session state, cached resources, interview flow and rendering helpers.

Pages import from here; ``scoring/``, ``models/`` and ``question_banks/`` never import from ``ui``.
"""
