"""Candid's entry point: page configuration and navigation, nothing else (staff pages only for signed-in staff)."""

from pathlib import Path

import streamlit as st

from ui import access, auth

# A local image: a ":material/...:" page icon makes the browser fetch the favicon from fonts.gstatic.com.
ICON = Path(__file__).resolve().parent / "ui" / "assets" / "candid-icon.png"
st.set_page_config(page_title="Candid", page_icon=str(ICON), layout="wide")
auth.apply_secret_settings()  # [candid] judge_api_key / judge_model, for a judge on the team's server
auth.sync_oidc_role()
auth.keep_staff_session()
access.keep_place()

staff_pages = {
    auth.StaffRole.ADMIN: [
        st.Page("pages/admin.py", title="Admin", icon=":material/admin_panel_settings:"),
        st.Page("pages/calibration.py", title="Calibration", icon=":material/balance:"),
    ],
    auth.StaffRole.REVIEWER: [],
}
# A bookmarked staff page opened without signing in gets the page's "please sign in", not "Page not found".
requested = access.requested_page()
shown_staff = staff_pages.get(auth.current_role(), [])
if not shown_staff and requested in {page.url_path for page in staff_pages[auth.StaffRole.ADMIN]}:
    shown_staff = [page for page in staff_pages[auth.StaffRole.ADMIN] if page.url_path == requested]
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
        "Staff": [
            *shown_staff,
            st.Page("pages/sign_in.py", title="Staff sign-in", icon=":material/login:"),
        ],
    }
).run()
