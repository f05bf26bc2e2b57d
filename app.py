"""Candid's entry point: page configuration and navigation, nothing else."""

import streamlit as st

st.set_page_config(page_title="Candid", page_icon=":material/record_voice_over:", layout="wide")

st.navigation(
    {
        "Practice": [
            st.Page("pages/start.py", title="Start", icon=":material/play_circle:", default=True),
            st.Page("pages/interview.py", title="Interview", icon=":material/record_voice_over:"),
            st.Page("pages/report.py", title="Report", icon=":material/assessment:"),
            st.Page("pages/history.py", title="History", icon=":material/history:"),
        ],
        "Instructors": [
            st.Page("pages/live_scoring.py", title="Live scoring", icon=":material/speed:"),
            st.Page("pages/question_banks.py", title="Question banks", icon=":material/library_books:"),
        ],
    }
).run()
