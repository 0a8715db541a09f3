"""/api/v1/customers/imports and /exports (INFO-9, SEC-6, AC-9): the import jobs and export control over HTTP."""

from __future__ import annotations

import io
import json

import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.customers import exporter
from kehu.customers.models import Customer, ExportRequest, ImportJob
from kehu.customers.tasks import run_import
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from tests.test_customers_import import HEADERS, bad_rows, csv_bytes, good_row

pytestmark = pytest.mark.django_db

BASE = "/api/v1/customers"
CSV = "text/csv"


@pytest.fixture
def manager(make_user):
    return make_user(roles.SALES_MANAGER, username="zhao.min")


def upload(client, data: bytes, *, name="客户.csv", mode="atomic", dry_run=True, content_type=CSV):
    return client.post(f"{BASE}/imports?file_name={name}&mode={mode}&dry_run={str(dry_run).lower()}", data,
                       content_type=content_type)


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def work() -> None:
    """Run the import tasks the endpoints enqueued, as the worker would. (The worker itself closes the
    connection between tasks, which a rolled-back PostgreSQL test cannot survive; tests/test_jobs_worker.py
    covers it.)"""
    queued = DBTaskResult.objects.filter(task_path=run_import.module_path, status=TaskResultStatus.READY)
    assert queued.exists(), "the endpoint enqueued no import task"
    for result in queued:
        run_import.call(*result.args_kwargs["args"])
        DBTaskResult.objects.filter(pk=result.pk).update(status=TaskResultStatus.SUCCESSFUL)


@pytest.mark.req("INFO-9")
def test_gbk_csv_dry_run_report_then_skip_invalid_import_and_rejected_rows(api_client, manager):
    client = api_client(manager)
    rows = [good_row(1), good_row(2), *bad_rows()[2:5]]
    answer = upload(client, csv_bytes(HEADERS, rows, "gbk"))
    assert answer.status_code == 202 and answer.json()["status"] == ImportJob.PENDING
    job_id = answer.json()["id"]
    work()
    report = client.get(f"{BASE}/imports/{job_id}").json()
    assert report["status"] == "done" and report["total"] == 5 and report["failed"] == 3 and report["imported"] == 0
    errors = {e["row"]: e for e in report["errors"]}
    assert sorted(errors) == [4, 5, 6]
    assert errors[4]["column"] == "统一社会信用代码" and "校验" in errors[4]["rule"]
    assert errors[5]["value"] == "***1234"  # a protected value never comes back in full
    assert Customer.objects.count() == 0

    refused = post(client, f"{BASE}/imports/{job_id}/run", {"mode": "everything"})
    assert refused.status_code == 422 and refused.json()["field"] == "mode"
    real = post(client, f"{BASE}/imports/{job_id}/run", {"mode": "skip-invalid"})
    assert real.status_code == 202 and real.json()["dry_run"] is False
    work()
    done = client.get(f"{BASE}/imports/{real.json()['id']}").json()
    assert done["imported"] == 2 and done["has_rejected_rows"] and Customer.objects.count() == 2
    again = post(client, f"{BASE}/imports/{real.json()['id']}/run", {"mode": "skip-invalid"})
    assert again.status_code == 409  # only a finished dry run can be imported

    rejected = client.get(f"{BASE}/imports/{real.json()['id']}/rejected-rows")
    assert rejected.status_code == 200 and "filename*=UTF-8''rejected-" in rejected["Content-Disposition"]
    book = list(load_workbook(io.BytesIO(rejected.content)).active.iter_rows(values_only=True))
    assert book[0][-1] == "错误原因" and len(book) == 4
    listed = client.get(f"{BASE}/imports").json()
    assert listed["count"] == 2 and {j["id"] for j in listed["items"]} == {job_id, real.json()["id"]}


@pytest.mark.req("INFO-9", "WEB-6")
def test_upload_refuses_json_bodies_oversized_files_bad_modes_and_disguised_files(api_client, manager, monkeypatch):
    client = api_client(manager)
    assert upload(client, b'{"a": 1}', content_type="application/json").status_code == 415
    assert upload(client, b"x", mode="fast").status_code == 422
    from kehu.customers import api_io

    monkeypatch.setattr(api_io, "MAX_UPLOAD_BYTES", 10)
    too_big = upload(client, csv_bytes(HEADERS, [good_row(1)], "utf-8"))
    assert too_big.status_code == 413 and too_big.json()["code"] == "file_too_large"
    monkeypatch.undo()
    disguised = upload(client, b"MZ\x90\x00" + b"\x00" * 200, name="客户.xlsx",
                       content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert disguised.status_code == 202
    work()
    job = client.get(f"{BASE}/imports/{disguised.json()['id']}").json()
    assert job["status"] == "failed" and job["fatal"]
    assert ImportJob.objects.count() == 1


@pytest.mark.req("SEC-2", "INFO-9", "SEC-6")
def test_anonymous_without_permission_and_another_users_job(client, api_client, manager, make_user):
    job = upload(api_client(manager), csv_bytes(HEADERS, [good_row(1)], "utf-8")).json()["id"]
    request = exporter.export_request(actor=manager, filters={}, reason="年度盘点")
    endpoints = [("post", f"{BASE}/imports?file_name=a.csv"), ("get", f"{BASE}/imports"),
                 ("get", f"{BASE}/imports/{job}"), ("post", f"{BASE}/imports/{job}/run"),
                 ("get", f"{BASE}/imports/{job}/rejected-rows"), ("post", f"{BASE}/exports"),
                 ("get", f"{BASE}/export-requests"), ("post", f"{BASE}/export-requests/{request.pk}/approve"),
                 ("post", f"{BASE}/export-requests/{request.pk}/reject"),
                 ("post", f"{BASE}/export-requests/{request.pk}/download")]
    salesperson = api_client(make_user(roles.SALESPERSON))  # neither customer.import nor data.export
    for method, url in endpoints:
        assert getattr(client, method)(url).status_code == 401, url
        answer = (post(salesperson, url) if method == "post" else salesperson.get(url))
        assert answer.status_code == 403, (url, answer.content)
    other_manager = api_client(make_user(roles.SALES_MANAGER))
    for url in (f"{BASE}/imports/{job}", f"{BASE}/imports/{job}/rejected-rows"):
        assert other_manager.get(url).status_code == 404  # a job is its starter's alone
    assert post(other_manager, f"{BASE}/imports/{job}/run").status_code == 404
    assert post(other_manager, f"{BASE}/export-requests/{request.pk}/download").status_code == 404
    assert ExportRequest.objects.get().status == ExportRequest.PENDING


@pytest.mark.req("SEC-6", "AC-9", "PRIV-4")
def test_export_is_masked_watermarked_and_audited_and_above_the_limit_needs_another_approver(
        api_client, manager, make_user, monkeypatch):
    client = api_client(manager)
    assert upload(client, csv_bytes(HEADERS, [good_row(1), good_row(2)], "utf-8"), dry_run=False).status_code == 202
    work()
    answer = post(client, f"{BASE}/exports", {"fmt": "xlsx"})
    assert answer.status_code == 200 and "filename*=UTF-8''" in answer["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert rows[0][0].startswith("导出人：") and "zhao.min" in rows[0][0] and "请求编号：" in rows[0][0]
    cells = [str(c) for row in rows[2:] for c in row if c]
    assert "139****0001" in cells and "13900000001" not in cells
    assert AuditEntry.objects.get(action=actions.CUSTOMER_EXPORT).data["rows"] == 2
    csv_answer = post(client, f"{BASE}/exports", {"fmt": "csv", "stage": "intent"})
    assert csv_answer.status_code == 200 and csv_answer.content.decode("utf-8-sig").startswith("# 导出人：")
    assert post(client, f"{BASE}/exports", {"stage": "nonsense"}).status_code == 422

    monkeypatch.setattr(exporter, "approval_limit", lambda: 1)
    needs_reason = post(client, f"{BASE}/exports", {"fmt": "xlsx"})
    assert needs_reason.status_code == 422 and needs_reason.json()["field"] == "reason"
    pending = post(client, f"{BASE}/exports", {"fmt": "xlsx", "reason": "年度客户盘点"})
    assert pending.status_code == 202 and pending.json()["row_count"] == 2 and pending.json()["status"] == "pending"
    request_id = pending.json()["id"]
    assert post(client, f"{BASE}/export-requests/{request_id}/approve").status_code == 403  # not one's own
    early = post(client, f"{BASE}/export-requests/{request_id}/download")
    assert early.status_code in (403, 409, 422) and early.json()["code"]

    vp = make_user(roles.MARKETING_VP, department=DepartmentFactory(company=manager.department.company))
    approver = api_client(vp)
    queue = approver.get(f"{BASE}/export-requests?to_decide=true").json()
    assert [r["id"] for r in queue["items"]] == [request_id]
    decided = post(approver, f"{BASE}/export-requests/{request_id}/approve", {"reason": "同意"})
    assert decided.status_code == 200 and decided.json()["approved_by"] == vp.username
    assert post(approver, f"{BASE}/export-requests/{request_id}/download").status_code == 404  # requester only
    download = post(client, f"{BASE}/export-requests/{request_id}/download", {"fmt": "xlsx"})
    assert download.status_code == 200
    mark = load_workbook(io.BytesIO(download.content)).active["A1"].value
    assert f"审批单：{request_id}" in mark
    mine = client.get(f"{BASE}/export-requests").json()["items"]
    assert [(r["id"], r["status"]) for r in mine] == [(request_id, ExportRequest.DONE)]


@pytest.mark.req("SEC-6", "SEC-2")
def test_approvers_decide_only_for_the_people_in_their_own_scope(api_client, manager, make_user):
    """A sales manager of another department or a VP of another company neither sees nor decides a request."""
    request = exporter.export_request(actor=manager, filters={}, reason="年度盘点")
    strangers = [make_user(roles.SALES_MANAGER), make_user(roles.MARKETING_VP)]
    for stranger in strangers:
        client = api_client(stranger)
        assert client.get(f"{BASE}/export-requests?to_decide=true").json()["items"] == []
        assert post(client, f"{BASE}/export-requests/{request.pk}/approve").status_code == 404
    with pytest.raises(exporter.NotFound):
        exporter.export_approve(actor=strangers[1], request=request)  # the service checks too, not only the door
    head = make_user(roles.SALES_MANAGER, department=manager.department)
    assert post(api_client(head), f"{BASE}/export-requests/{request.pk}/approve").status_code == 200
    assert ExportRequest.objects.get().approved_by == head
