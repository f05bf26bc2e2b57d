"""Calibration page: where admins overrode scores, model against human score by competency and rubric point."""

import pandas as pd
import streamlit as st

from storage.errors import DatabaseUnavailableError
from ui import admin, auth, render, resources


def table(rows: list[admin.Agreement], label: str) -> None:
    """One row per group: pairs, mean absolute difference and correlation."""
    frame = pd.DataFrame(
        [
            {
                label: row.group,
                "Overrides": row.count,
                "Mean absolute difference": f"{row.mean_absolute_difference:.1f}",
                "Correlation": "—" if row.correlation is None else f"{row.correlation:.2f}",
            }
            for row in rows
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")


render.sidebar_status()
auth.require(auth.StaffRole.ADMIN)
st.title("Calibration")
st.caption(
    "Where an admin overrode a score: how far the model's score was from the human one (mean absolute "
    "difference, in points out of 100) and how well they move together (Pearson correlation; a dash with "
    "fewer than two overrides or no spread)."
)
try:
    records = resources.get_repository().overridden_assessments()
except DatabaseUnavailableError as exc:
    st.error(str(exc), icon=":material/cloud_off:")
    st.stop()
if not records:
    st.info("No overridden scores yet. Override scores on the Admin page to calibrate against them.")
    st.stop()
st.subheader("By competency")
table(admin.by_competency(records), "Competency")
st.subheader("By rubric point")
st.caption("The model's coverage of each point (0-100) against the admin's score of the whole answer.")
table(admin.by_rubric_point(records), "Rubric point")
