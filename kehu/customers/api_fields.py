"""/api/v1/admin/field-permissions: the field matrix (SEC-3) for the security administrator, like
/api/v1/admin/roles — the same selectors and service as the page, token or admin browser session."""

from __future__ import annotations

from ninja import Field, Router, Schema

from kehu.customers import selectors, services
from kehu.org.api_admin import actor_of
from kehu.org.api_auth import ApiTokenAuth, SessionAuth

router = Router(tags=["admin"], auth=[ApiTokenAuth(), SessionAuth()])


class CellOut(Schema):
    entity: str
    field: str
    label: str
    access: str
    mask: str
    explicit: bool
    protected: bool


class RoleMatrixOut(Schema):
    role_id: int
    role_code: str
    role_name: str
    cells: list[CellOut]


class CellIn(Schema):
    entity: str
    field: str
    access: str
    mask: str | None = Field(None, description="省略时保持不变")


class MatrixPatch(Schema):
    cells: list[CellIn]


def _matrix(role) -> dict:
    return {"role_id": role.pk, "role_code": role.code, "role_name": role.display_name,
            "cells": selectors.field_matrix_cells(role)}


@router.get("", response=list[RoleMatrixOut], summary="字段权限矩阵")
def matrix(request):
    return [_matrix(role) for role in selectors.field_matrix_roles(actor_of(request))]


@router.get("/{int:role_id}", response=RoleMatrixOut, summary="一个角色的字段权限")
def matrix_of_role(request, role_id: int):
    return _matrix(selectors.field_matrix_role(actor_of(request), role_id))


@router.patch("/{int:role_id}", response=RoleMatrixOut, summary="修改角色的字段权限")
def matrix_update(request, role_id: int, payload: MatrixPatch):
    """Only the cells sent change; each change is one audit entry (old → new)."""
    actor = actor_of(request)
    role = selectors.field_matrix_role(actor, role_id)
    masks = {(c.entity, c.field): c.mask for c in selectors.field_matrix_cells(role)}
    services.field_permissions_set(actor=actor, role=role, cells={
        (c.entity, c.field): (c.access, c.mask or masks.get((c.entity, c.field), "everywhere")) for c in payload.cells})
    return _matrix(selectors.field_matrix_role(actor, role_id))
