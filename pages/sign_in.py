"""Staff sign-in: an admin or reviewer password (argon2 hash in the secrets), or OpenID Connect when configured."""

import streamlit as st

from ui import auth, render
from ui.state import SignInKeys

render.sidebar_status()
st.title("Staff sign-in")
role = auth.current_role()
if role is not None:
    st.success(f"Signed in as {role.value} ({auth.staff_email()}).", icon=":material/verified_user:")
    if role is auth.StaffRole.REVIEWER:
        st.caption("Reviewers read every interview and its report on the Report page.")
    if st.button("Sign out", key=SignInKeys.SIGN_OUT, icon=":material/logout:"):
        auth.sign_out()
        if auth.oidc_configured() and st.user.is_logged_in:
            st.logout()
        st.rerun()
    st.stop()

st.caption("For admins and reviewers. Candidates open the invite link they were sent instead.")
with st.form(SignInKeys.FORM):
    password = st.text_input("Password", type="password", key=SignInKeys.PASSWORD)
    submitted = st.form_submit_button("Sign in", type="primary")
if submitted:
    role = auth.password_role(password)
    if role is None:
        st.error("Wrong password (or no staff password is set: see `python -m ui.auth set-password`).")
    else:
        auth.sign_in(role)
        st.rerun()
if auth.oidc_configured():
    st.divider()
    if st.user.is_logged_in:
        st.warning(f"{st.user.get('email')} is not listed as an admin or reviewer in the secrets.")
    elif st.button("Sign in with single sign-on", key=SignInKeys.OIDC, icon=":material/key:"):
        st.login()
