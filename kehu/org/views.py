"""Pages of the organisation: structure, users, roles and the directory. Thin adapters: load through a
selector (404 when not visible), call a service, render; a DomainError becomes a form error."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kehu.core.errors import DomainError, PermissionDenied
from kehu.org import forms, selectors, services
from kehu.org import permissions as p
from kehu.org.access import require_any_permission

PAGE_SIZE = 50


def guarded(*codes: str):
    """403 unless the user holds one of ``codes``; a row a selector does not return is a 404."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                require_any_permission(request.user, codes)
                return view(request, *args, **kwargs)
            except PermissionDenied as exc:
                raise DjangoPermissionDenied(str(exc.message)) from exc
            except ObjectDoesNotExist as exc:
                raise Http404 from exc

        return wrapped

    return decorate


def submitted(form, call):
    """Run ``call`` with the cleaned data if the form is valid and return what the service returned
    (always a value); None when the form is invalid or the service refused, as an error on the form."""
    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except DomainError as exc:
        forms.add_domain_error(form, exc)
        return None


def _posted(request):
    # Not ``request.POST or None``: a POST with every box unticked is empty, and must still bind the form.
    return request.POST if request.method == "POST" else None


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- structure -------------------------------------------------------------------------------


@guarded(p.STRUCTURE_MANAGE)
def structure(request):
    forest = selectors.departments_tree(request.user)
    companies = [(company, selectors.flatten(forest.get(company.pk, [])))
                 for company in selectors.companies_for(request.user)]
    return render(request, "org/structure.html", {"companies": companies})


@guarded(p.STRUCTURE_MANAGE)
def company_create(request):
    form = forms.CompanyForm(_posted(request))
    if request.method == "POST" and submitted(
        form, lambda d: services.company_create(actor=request.user, name=d["name"], short_name=d["short_name"],
                                                parent=d["parent"])
    ):
        messages.success(request, _("公司已创建。"))
        return redirect("org:structure")
    return render(request, "org/form.html", {"form": form, "title": _("新建公司"), "back": "org:structure"})


@guarded(p.STRUCTURE_MANAGE)
def department_create(request):
    # "Add a sub-department" links pass ?parent=<id>: start the form under it, in its company.
    parent_id = request.GET.get("parent", "")
    parent = (selectors.departments_for_admin(request.user).filter(pk=int(parent_id)).first()
              if parent_id.isdigit() else None)
    form = forms.DepartmentForm(_posted(request), initial={"parent": parent, "company": parent and parent.company})
    if request.method == "POST" and submitted(
        form, lambda d: services.department_create(actor=request.user, company=d["company"], name=d["name"],
                                                   parent=d["parent"], head=d["head"], code=d["code"])
    ):
        messages.success(request, _("部门已创建。"))
        return redirect("org:structure")
    return render(request, "org/form.html", {"form": form, "title": _("新建部门"), "back": "org:structure"})


@guarded(p.STRUCTURE_MANAGE)
def department_edit(request, pk: int):
    department = selectors.department_for_admin(request.user, pk)
    form = forms.DepartmentForm(
        _posted(request), department=department,
        initial={"name": department.name, "code": department.code, "parent": department.parent_id,
                 "head": department.head_id},
    )
    if request.method == "POST" and submitted(
        form, lambda d: services.department_update(actor=request.user, department=department, name=d["name"],
                                                   parent=d["parent"], head=d["head"], code=d["code"])
    ):
        messages.success(request, _("部门已保存。"))
        return redirect("org:structure")
    title = _("编辑部门：%(name)s") % {"name": department.name}
    return render(request, "org/form.html", {"form": form, "title": title, "back": "org:structure"})


# --- users -----------------------------------------------------------------------------------


@guarded(p.USERS_MANAGE, p.ROLES_ASSIGN)
def users(request):
    filter_form = forms.UserFilterForm(request.GET or None)
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    page = _page(request, selectors.users_for_admin(request.user, filters))
    return render(request, "org/users.html", {
        "filter_form": filter_form, "page": page,
        "can_manage": request.user.has_permission(p.USERS_MANAGE),
        "can_assign": request.user.has_permission(p.ROLES_ASSIGN),
    })


@never_cache
@guarded(p.USERS_MANAGE)
def user_create(request):
    form = forms.UserCreateForm(_posted(request))
    if request.method == "POST" and (result := submitted(
        form, lambda d: services.user_create(
            actor=request.user, username=d["username"], full_name=d["full_name"], employee_no=d["employee_no"],
            email=d["email"], department=d["department"], manager=d["manager"], password=d["password"])
    )):
        if result.password is None:
            messages.success(request, _("用户已创建，首次登录须修改密码。"))
            return redirect("org:users")
        # The generated password is shown in this response only: it is never stored in clear.
        return render(request, "org/password_once.html", {"target": result.user, "password": result.password})
    return render(request, "org/form.html", {"form": form, "title": _("新建用户"), "back": "org:users"})


@guarded(p.USERS_MANAGE)
def user_edit(request, pk: int):
    user = selectors.user_for_admin(request.user, pk)
    form = forms.UserEditForm(_posted(request), user=user, initial={
        "full_name": user.full_name, "email": user.email, "department": user.department_id,
        "manager": user.manager_id})
    if request.method == "POST" and submitted(
        form, lambda d: services.user_update(actor=request.user, user=user, full_name=d["full_name"],
                                             email=d["email"], department=d["department"], manager=d["manager"])
    ):
        messages.success(request, _("用户已保存。"))
        return redirect("org:users")
    title = _("编辑用户：%(name)s") % {"name": user}
    return render(request, "org/form.html", {"form": form, "title": title, "back": "org:users"})


@guarded(p.USERS_MANAGE)
def user_disable(request, pk: int):
    user = selectors.user_for_admin(request.user, pk)
    form = forms.UserDisableForm(_posted(request), user=user)
    if request.method == "POST" and submitted(
        form, lambda d: services.user_disable(actor=request.user, user=user, reason=d["reason"],
                                              successor=d["successor"])
    ):
        messages.success(request, _("已停用 %(user)s，其会话和 API 令牌已全部失效。") % {"user": user})
        return redirect("org:users")
    return render(request, "org/user_disable.html", {"form": form, "target": user})


@require_POST
@guarded(p.USERS_MANAGE)
def user_enable(request, pk: int):
    user = selectors.user_for_admin(request.user, pk)
    try:
        services.user_enable(actor=request.user, user=user)
        messages.success(request, _("已启用 %(user)s。") % {"user": user})
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("org:users")


@never_cache
@guarded(p.USERS_MANAGE)
def user_password_reset(request, pk: int):
    user = selectors.user_for_admin(request.user, pk)
    if request.method == "POST":
        try:
            password = services.user_reset_password(actor=request.user, user=user)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("org:users")
        return render(request, "org/password_once.html", {"target": user, "password": password})
    return render(request, "org/user_password_reset.html", {"target": user})


@guarded(p.ROLES_ASSIGN)
def user_roles(request, pk: int):
    user = selectors.user_for_admin(request.user, pk)
    form = forms.UserRolesForm(_posted(request), initial={"roles": list(user.roles.all())})
    if request.method == "POST" and submitted(
        form, lambda d: services.user_roles_set(actor=request.user, user=user, roles_wanted=d["roles"])
    ):
        messages.success(request, _("%(user)s 的角色已保存。") % {"user": user})
        return redirect("org:users")
    return render(request, "org/user_roles.html", {"form": form, "target": user})


# --- roles -----------------------------------------------------------------------------------


@guarded(p.ROLES_MANAGE, p.ROLES_ASSIGN)
def roles(request):
    rows = [(role, selectors.permissions_by_duty(set(role.permissions))) for role in selectors.roles_for(request.user)]
    return render(request, "org/roles.html", {"rows": rows, "can_manage": request.user.has_permission(p.ROLES_MANAGE)})


def _role_data(d) -> dict:
    return {"name": d["name"], "name_en": d["name_en"], "description": d["description"],
            "data_scope": d["data_scope"], "permissions": d["permissions"]}


@guarded(p.ROLES_MANAGE)
def role_create(request):
    form = forms.RoleForm(_posted(request))
    if request.method == "POST" and submitted(
        form, lambda d: services.role_create(actor=request.user, code=d["code"], **_role_data(d))
    ):
        messages.success(request, _("角色已创建。"))
        return redirect("org:roles")
    return render(request, "org/form.html", {"form": form, "title": _("新建业务角色"), "back": "org:roles"})


@guarded(p.ROLES_MANAGE)
def role_edit(request, pk: int):
    role = selectors.roles_for(request.user).get(pk=pk)
    form = forms.RoleForm(_posted(request), role=role, initial={
        "name": role.name, "name_en": role.name_en, "description": role.description,
        "data_scope": role.data_scope, "permissions": role.permissions})
    if request.method == "POST" and submitted(
        form, lambda d: services.role_update(actor=request.user, role=role, **_role_data(d))
    ):
        messages.success(request, _("角色已保存。"))
        return redirect("org:roles")
    title = _("编辑角色：%(name)s（%(duty)s）") % {"name": role.name, "duty": role.get_duty_display()}
    return render(request, "org/form.html", {"form": form, "title": title, "back": "org:roles"})


# --- directory (business users, within their data scope) -------------------------------------


@guarded(p.DIRECTORY_VIEW)
def directory(request):
    filter_form = forms.DirectoryFilterForm(request.GET or None,
                                            departments=selectors.directory_departments(request.user))
    filters = filter_form.cleaned_data if filter_form.is_valid() else {}
    page = _page(request, selectors.directory_for(request.user, filters))
    return render(request, "org/directory.html", {"filter_form": filter_form, "page": page})


@guarded(p.DIRECTORY_VIEW)
def directory_detail(request, pk: int):
    colleague = selectors.directory_for(request.user).get(pk=pk)
    return render(request, "org/directory_detail.html", {"colleague": colleague})
