"""Home page: what Candid is and which local models it runs."""

import streamlit as st

from models.loader import model_status

st.title("Candid")
st.write("Private interview practice: every answer is scored on this machine; nothing leaves it.")
st.subheader("Local models")
st.dataframe(model_status(), hide_index=True)
