from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path

app_name = "org"
urlpatterns = [
    path("login/", login_not_required(auth_views.LoginView.as_view(template_name="org/login.html")), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", auth_views.PasswordChangeView.as_view(), name="account"),
    path("account/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
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
