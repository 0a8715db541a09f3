from django.urls import path

from kehu.org import views_account, views_auth, views_mfa, views_security

app_name = "org"
urlpatterns = [
    path("login/", views_auth.login_view, name="login"),
    path("login/verify/", views_mfa.mfa_verify, name="mfa"),
    path("login/enrol/", views_mfa.mfa_enrol, name="mfa_enrol"),
    path("login/enrol/qr.svg", views_mfa.mfa_enrol_qr, name="mfa_qr"),
    path("logout/", views_auth.logout_view, name="logout"),
    path("account/", views_account.account, name="account"),
    path("account/password/", views_account.password_change_view, name="password_change"),
    path("account/sessions/end-others/", views_account.account_end_other_sessions, name="end_other_sessions"),
    path("security/locks/", views_security.locked_accounts, name="locked_accounts"),
    path("security/locks/<int:block_id>/unlock/", views_security.account_unlock, name="account_unlock"),
]

# Organisation management (ORG-1..3) and the directory.
from kehu.org import views  # noqa: E402

urlpatterns += [
    path("org/structure/", views.structure, name="structure"),
    path("org/companies/new/", views.company_create, name="company_create"),
    path("org/departments/new/", views.department_create, name="department_create"),
    path("org/departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("org/users/", views.users, name="users"),
    path("org/users/new/", views.user_create, name="user_create"),
    path("org/users/<int:pk>/edit/", views.user_edit, name="user_edit"),
    path("org/users/<int:pk>/disable/", views.user_disable, name="user_disable"),
    path("org/users/<int:pk>/enable/", views.user_enable, name="user_enable"),
    path("org/users/<int:pk>/password/", views.user_password_reset, name="user_password_reset"),
    path("org/users/<int:pk>/roles/", views.user_roles, name="user_roles"),
    path("org/roles/", views.roles, name="roles"),
    path("org/roles/new/", views.role_create, name="role_create"),
    path("org/roles/<int:pk>/edit/", views.role_edit, name="role_edit"),
    path("directory/", views.directory, name="directory"),
    path("directory/<int:pk>/", views.directory_detail, name="directory_detail"),
]

# Departure handover (OWN-5).
from kehu.org import views_handover  # noqa: E402

urlpatterns += [
    path("org/handovers/", views_handover.handover_list, name="handovers"),
    path("org/handovers/new/", views_handover.handover_new, name="handover_new"),
    path("org/handovers/check/", views_handover.handover_check, name="handover_check"),
    path("org/handovers/<int:pk>/", views_handover.handover_detail, name="handover_detail"),
]
