"""Candid's scorer: pure, typed scoring of answers (no Streamlit, no torch imports at module level)."""
