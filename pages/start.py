"""Start page: choose the role, questions, mode and time limit, add a job description or résumé, see the plan."""

from urllib.parse import unquote

import pandas as pd
import streamlit as st

from question_banks.documents import DOCUMENT_TYPES, MAX_DOCUMENT_BYTES, DocumentError
from storage.errors import DatabaseUnavailableError
from ui import access, dbstore, interview, render, resources, state
from ui.state import Mode, StartKeys

TIME_LIMITS = [0, 60, 90, 120, 180, 300, 600]
# The browser refuses bigger uploads with only an icon; up to this size the page says why in words.
UPLOAD_CEILING_MB = 25
MODES = {
    Mode.PRACTICE.value: "Practice: feedback after each answer",
    Mode.INTERVIEW.value: "Interview: feedback at the end",
}


def document_input(label: str, text_key: str, file_key: str, placeholder: str) -> str:
    """A paste box and an upload for one document; the uploaded file's text wins when it can be read."""
    pasted = st.text_area(label, key=text_key, height=160, placeholder=placeholder)
    uploaded = st.file_uploader(
        f"…or upload it (.txt, .pdf or .docx, up to {MAX_DOCUMENT_BYTES // 1024 // 1024} MB)",
        type=list(DOCUMENT_TYPES),
        key=file_key,
        max_upload_size=UPLOAD_CEILING_MB,
    )
    if uploaded is None:
        return pasted
    name = unquote(uploaded.name)  # the browser sends names with quotes and spaces percent-encoded
    try:
        text = resources.read_upload(name, uploaded.getvalue())
    except DocumentError as exc:
        st.error(render.inert_markdown(str(exc)), icon=":material/description:")  # it names the file
        return pasted
    words = render.counted(len(text.split()), "word")
    st.success(f"Read {words} from {render.inert_markdown(name)}.", icon=":material/check:")
    with st.expander("Text read from the file"):
        st.text(text)
    return text


render.sidebar_status()
token = access.invite_token()
if token is not None:
    access.invite_landing(token)
    st.stop()
resume = access.resume_param()
if resume is not None:
    st.title("Your interview")
    access.resume_landing(resume)
    st.stop()
st.title("Start an interview")

store = dbstore.interview_store()
current = state.active_interview(store)
if current is not None and not current.done:
    st.info(f"You have an interview in progress ({current.role}, question {current.position + 1} of {current.total}).")
    st.page_link("pages/interview.py", label="Continue it", icon=":material/arrow_forward:")

banks = resources.get_banks()
if banks.errors:
    with st.expander(f":material/warning: {len(banks.errors)} problem(s) in the bank files"):
        for error in banks.errors:
            st.text(error.message)
if not banks.banks:
    st.warning("No question banks are available. Add a role's YAML file to `question_banks/` and reload.")
    st.stop()

state.keep_valid_choice(StartKeys.BANK, banks.slugs)
slug = st.selectbox("Role", banks.slugs, format_func=lambda s: banks.get(s).role, key=StartKeys.BANK)
bank = banks.get(slug)
if bank.description:
    st.caption(bank.description)

codes = [competency.code for competency in bank.competencies]
state.keep_valid_choice(StartKeys.COMPETENCIES, codes)
chosen = st.multiselect(
    "Competencies (none chosen: all of them)",
    codes,
    format_func=lambda code: bank.competency(code).name,
    key=StartKeys.COMPETENCIES,
)
available = sum(1 for question in bank.questions if not chosen or question.competency in chosen)
state.bounded_number(StartKeys.NUM_QUESTIONS, min(5, available), 1, available)
left, right = st.columns(2)
with left:
    num_questions = st.number_input(
        f"Number of questions (up to {available})",
        min_value=1,
        max_value=available,
        step=1,
        key=StartKeys.NUM_QUESTIONS,
    )
    time_limit = st.selectbox(
        "Time limit per question",
        TIME_LIMITS,
        format_func=lambda s: "No limit" if not s else f"{s // 60} min {s % 60} s".replace(" 0 s", ""),
        key=StartKeys.TIME_LIMIT,
    )
with right:
    mode = st.radio("Mode", list(MODES), format_func=MODES.get, key=StartKeys.MODE)
    follow_ups = st.toggle(
        "Follow-up questions",
        key=StartKeys.FOLLOW_UPS,
        help="After an answer that misses a rubric point, the interviewer asks one follow-up about it. "
        "Both answers are scored together.",
    )

st.subheader("Tailor it to a job (optional)")
job_column, resume_column = st.columns(2)
with job_column:
    job_description = document_input(
        "Job description", StartKeys.JOB_TEXT, StartKeys.JOB_FILE, "Paste the job ad: questions are chosen to match it."
    )
with resume_column:
    resume = document_input("Résumé", StartKeys.RESUME_TEXT, StartKeys.RESUME_FILE, "Paste your résumé.")

rank = bool(job_description.strip())
if rank and resources.require_embedder() is None:
    st.warning("The questions are not matched to the job description until the embedder is installed.")
    rank = False
try:
    plan = resources.cached_plan(
        slug,
        bank.version,
        int(num_questions),
        tuple(chosen),
        int(time_limit) or None,
        job_description,
        resume,
        state.plan_seed(),
        rank,
    )
except ValueError as exc:
    st.error(f"No plan can be made from these choices: {exc}")
    st.stop()
plan = plan.model_copy(update={"follow_ups": bool(follow_ups)})

st.subheader("Your plan")
limit = f"{time_limit // 60}:{time_limit % 60:02d} per question" if time_limit else "no time limit"
tailored = (
    f"matched to {render.counted(len(plan.requirements), 'requirement')} of the job"
    if plan.relevance
    else "not tailored to a job"
)
count = render.counted(plan.num_questions, "question")
follow = "one follow-up per question" if follow_ups else "no follow-ups"
st.caption(f"{count} · {MODES[mode]} · {limit} · {follow} · {tailored}")
rows = [
    {
        "#": number,
        "Competency": bank.competency(question.competency).name,
        "Question": question.text,
        **({"Match to the job": f"{plan.relevance.get(question.id, 0.0):.2f}"} if plan.relevance else {}),
    }
    for number, question in enumerate(plan.questions(bank), start=1)
]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
if plan.requirements:
    with st.expander("Requirements found in the job description"):
        for requirement in plan.requirements:
            st.text(f"• {requirement.text}")

shuffle_column, begin_column = st.columns([1, 3])
shuffle_column.button("Other questions", key=StartKeys.SHUFFLE, on_click=state.new_plan_seed, icon=":material/shuffle:")
if begin_column.button("Start interview", type="primary", key=StartKeys.BEGIN, icon=":material/play_arrow:"):
    record = interview.start_interview(banks, plan, Mode(mode))
    try:
        store.save(record)
    except DatabaseUnavailableError as exc:
        st.error(str(exc), icon=":material/cloud_off:")
        st.stop()
    state.set_active_interview(record)
    st.switch_page("pages/interview.py")
