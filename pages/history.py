"""History page: this user's earlier interviews, the trend by competency, and practice on the weakest one."""

import pandas as pd
import streamlit as st

from scoring.summary import round_half_up
from ui import dbstore, interview, render, state
from ui.state import HistoryKeys

render.sidebar_status()
st.title("History")
records = [record for record in dbstore.interview_store().list() if interview.assessments(record)]
if not records:
    st.info(
        "No scored interview yet. History lists the interviews taken in this browser session. "
        "Take an interview and it shows up here."
    )
    st.page_link("pages/start.py", label="Start an interview", icon=":material/play_circle:")
    st.stop()

st.caption("Interviews taken in this browser session.")
rows = []
for record in records:
    summary = interview.interview_summary(record)
    rows.append(
        {
            "Date": record.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            "Role": record.role,
            "Mode": record.mode.value,
            "Questions": record.total,
            "Answered": summary.answered,
            "Average": None if summary.average is None else round_half_up(summary.average),
        }
    )
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

st.subheader("Scores by competency over time")
results = interview.competency_results(records)
trend = pd.DataFrame(
    [{"Interview": result.when, "Competency": result.name, "Average score": result.average} for result in results]
)
if trend["Interview"].nunique() > 1:
    st.line_chart(trend, x="Interview", y="Average score", color="Competency")
else:
    render.competency_bars(trend[["Competency", "Average score"]])
    st.caption("Take another interview to see how each competency develops.")

weakest = interview.weakest_competency(records)
if weakest is not None:
    st.subheader("Practise your weakest competency")
    st.write(f"**{weakest.name}** averages {round_half_up(weakest.average)}/100 so far.")
    if st.button(
        f"Practise {weakest.name}", key=HistoryKeys.PRACTISE_WEAKEST, type="primary", icon=":material/fitness_center:"
    ):
        state.preset_start(weakest.bank_slug, [weakest.code])
        st.switch_page("pages/start.py")
