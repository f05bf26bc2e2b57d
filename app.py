"""Candid's entry point: page configuration and navigation, nothing else."""

import streamlit as st

st.set_page_config(page_title="Candid", page_icon=":material/record_voice_over:", layout="wide")

st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    ]
).run()
