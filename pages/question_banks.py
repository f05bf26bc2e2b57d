"""Question banks page: browse the banks, their competencies, questions and rubric points."""

import streamlit as st

from ui import render, resources, state
from ui.state import BankKeys

ALL = ""

render.sidebar_status()
st.title("Question banks")
banks = resources.get_banks()
if banks.errors:
    with st.expander(f":material/warning: {len(banks.errors)} problem(s) in the bank files", expanded=not banks.banks):
        for error in banks.errors:
            st.text(error.message)
if not banks.banks:
    st.info("No valid bank yet. Add a role's YAML file to `question_banks/`; it appears here within a minute.")
    st.stop()

state.keep_valid_choice(BankKeys.BANK, banks.slugs)
slug = st.selectbox("Bank", banks.slugs, format_func=lambda s: banks.get(s).role, key=BankKeys.BANK)
bank = banks.get(slug)
st.caption(
    f"{bank.description}  \nVersion {bank.version} · {len(bank.competencies)} competencies"
    f" · {render.counted(len(bank.questions), 'question')}"
)

codes = [ALL, *(competency.code for competency in bank.competencies)]
state.keep_valid_choice(BankKeys.COMPETENCY, codes)
left, right = st.columns([1, 2])
code = left.selectbox(
    "Competency",
    codes,
    format_func=lambda c: "All competencies" if c == ALL else bank.competency(c).name,
    key=BankKeys.COMPETENCY,
)
search = right.text_input("Search questions", key=BankKeys.SEARCH, placeholder="e.g. incident, stakeholder")

for competency in bank.competencies:
    if code not in (ALL, competency.code):
        continue
    questions = [
        question
        for question in bank.questions
        if question.competency == competency.code and search.casefold() in question.model_dump_json().casefold()
    ]
    if not questions:
        continue
    st.subheader(f"{competency.name} ({competency.code})")
    if competency.description or competency.behavioural:
        star = " Behavioural: answers are read for STAR structure (situation, task, action, result)."
        st.caption(competency.description + (star if competency.behavioural else ""))
    for question in questions:
        with st.expander(f"{question.id}: {question.text}"):
            st.markdown(f"**Probes:** {question.probes}")
            st.markdown("**Rubric points**")
            for number, item in enumerate(question.rubric, start=1):
                st.markdown(f"{number}. {item.point}")
                if item.tip:
                    st.caption(f"Tip when missed: {item.tip}")
            st.markdown("**Exemplary answer**")
            st.write(question.exemplary_answer)
            st.markdown("**Pitfalls**")
            st.markdown("\n".join(f"- {pitfall}" for pitfall in question.pitfalls))
            if question.red_flags:
                st.markdown("**Red flags** (each caps the score when an answer states it)")
                for flag in question.red_flags:
                    st.markdown(f":material/report: {flag.flag}")
                    st.caption(f"Why: {flag.reason}")
                    if flag.examples:
                        st.caption("Sounds like: " + " / ".join(f"\u201c{example}\u201d" for example in flag.examples))
            if question.anchors:
                st.markdown("**Anchor answers** (graded examples the scorer compares with)")
                for anchor in question.anchors:
                    st.markdown(f"*{anchor.level.capitalize()}*")
                    st.caption(anchor.answer)
            if question.follow_up:
                st.markdown(f"**Follow-up:** {question.follow_up}")
            if question.keywords:
                st.caption("Keywords: " + ", ".join(question.keywords))
