#!/usr/bin/env python3
"""Customer list, search and detail speed (INFO-6): p50/p95 in ms on a database seeded by customers_seed.py.

    .venv/bin/python benchmarks/customers_search.py --database-url sqlite:////tmp/kehu_bench.sqlite3
    .venv/bin/python benchmarks/customers_search.py --explain --database-url postgres://postgres@127.0.0.1:5432/kehu_bench
    .venv/bin/python benchmarks/customers_search.py --mode http --database-url …   # through gunicorn on 127.0.0.1

Modes:
- ``queryset`` (default): what the list view runs, without HTTP: ``selectors.customers_for`` (scope, filters,
  search, owner, tags, primary contacts) and ``listing.counted_window`` (capped count, first window of 21); the detail case
  runs ``customer_detail_for`` and the timeline.
- ``client``: the real pages through Django's test client, signed in (sessions, middleware, templates).
- ``http``: the same pages over HTTP from ``kehu serve`` (gunicorn, one worker, one thread) started on a
  free 127.0.0.1 port, with a signed-in session cookie; a bounded loop of sequential requests.
The search text lives in the session (the search form POSTs it, the list GETs it): before each timed GET the
benchmark writes it into the session row, untimed. Queries are drawn from the seeded rows, so they hit.
CPU columns: the CPU time of the work, Django's and PostgreSQL's (``CpuClock``); unlike the wall time it does not
grow with the machine's load.
Prints figures (and PostgreSQL EXPLAIN plans with --explain) and the load average; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.customers_seed import setup  # noqa: E402
from benchmarks.timing import p50_p95  # noqa: E402


def timed(case, samples: int, cpu: CpuClock) -> tuple[float, ...]:
    """Wall-clock p50/p95 and CPU p50/p95/mean (ms) of ``case() -> (prepare, run)``; only ``run`` is timed."""
    prepare, run = case
    prepare()
    run()  # one warm-up, not counted
    wall, work = [], []
    for _ in range(samples):
        prepare()
        cpu.refresh()
        began, began_cpu = time.perf_counter(), cpu()
        run()
        wall.append((time.perf_counter() - began) * 1000)
        work.append((cpu() - began_cpu) * 1000)
    return (*p50_p95(wall), *p50_p95(work), sum(work) / len(work))


class CpuClock:
    """CPU seconds spent on the work measured, whoever did it: on a loaded machine the wall time mostly waits for
    a core, the CPU time does not grow with the load. The queryset and client modes count this process (its own
    clock) and, on PostgreSQL, the server process serving its connection; the http mode counts the gunicorn
    master and worker and every server process of the benchmark database. Other processes are read from /proc
    in 10 ms ticks, so for those a single sample reads 0, 10 or 20 ms: read the mean."""

    def __init__(self, connection, server_pid: int | None = None):
        self.connection, self.server_pid, self.pids = connection, server_pid, []
        self.tick = os.sysconf("SC_CLK_TCK")

    def refresh(self) -> None:
        """Who to count for the next sample (untimed): the backends come and go with the server's connections."""
        backends = []
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()" if self.server_pid is None else
                               "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
                backends = [row[0] for row in cursor.fetchall()]
        self.pids = backends + (self._tree(self.server_pid) if self.server_pid else [])

    def _tree(self, root: int) -> list[int]:
        try:
            children = Path(f"/proc/{root}/task/{root}/children").read_text().split()
        except OSError:
            return [root]
        return [root, *(p for child in children for p in self._tree(int(child)))]

    def __call__(self) -> float:
        ticks = 0
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended, or not on this machine
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / self.tick + (time.process_time() if self.server_pid is None else 0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Pages:
    """GET a page as a signed-in user, through the test client or over HTTP."""

    def __init__(self, mode: str, port: int | None = None):
        from django.conf import settings
        from django.test import Client

        self.mode, self.port, self.clients = mode, port, {}
        self.cookie_name, self.client_class = settings.SESSION_COOKIE_NAME, Client

    def session_of(self, user):
        if user.pk not in self.clients:
            client = self.client_class(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            session = client.session
            session["kehu_mfa_verified"] = True
            session.save()
            self.clients[user.pk] = client
        return self.clients[user.pk]

    def set_search(self, user, query: str) -> None:
        from django.contrib.sessions.backends.db import SessionStore

        from kehu.customers.views import SEARCH_SESSION_KEY

        store = SessionStore(self.session_of(user).cookies[self.cookie_name].value)
        store[SEARCH_SESSION_KEY] = query
        store.save()

    def get(self, user, path: str) -> None:
        client = self.session_of(user)
        if self.mode == "client":
            status = client.get(path).status_code
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request("GET", path, headers={
                "Cookie": f"{self.cookie_name}={client.cookies[self.cookie_name].value}", "Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            status = response.status
            conn.close()
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")


def start_server(port: int, database_url: str) -> subprocess.Popen:
    env = {**os.environ, "KEHU_DATABASE_URL": database_url, "KEHU_PROFILE": os.environ.get("KEHU_PROFILE", "test")}
    server = subprocess.Popen([sys.executable, "-m", "kehu", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                               "--threads", "1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(server.stderr.read().decode()) from None
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--mode", choices=["queryset", "client", "http"], default="queryset")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--only", default="", help="run the cases whose label contains this text")
    parser.add_argument("--explain", action="store_true")
    options = parser.parse_args()
    setup(options.database_url)
    from django.db import connection
    from django.urls import reverse

    from kehu.customers import selectors, timeline
    from kehu.customers.listing import counted_window
    from kehu.customers.models import Contact, Customer
    from kehu.org.models import User

    samples = options.samples
    rng = random.Random(7)
    top = Customer.objects.order_by("-pk").values_list("pk", flat=True).first()
    ids = sorted({rng.randint(1, top) for _ in range(samples * 4)})
    sample = list(Customer.objects.filter(pk__in=ids).order_by("?")[:samples * 2])
    mobiles = [c.mobile.reveal() for c in Contact.objects.filter(customer__in=sample[:samples])]
    salesperson = User.objects.get(username="seed0")
    manager, gm = User.objects.get(username="seed_manager"), User.objects.get(username="seed_gm")
    own = list(Customer.objects.filter(owner=salesperson).order_by("?").values_list("pk", flat=True)[:samples])
    load = os.getloadavg()
    print(f"{connection.vendor}, {options.mode}: {top:,} customers, {Contact.objects.count():,} contacts; "
          f"{samples} samples each; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")

    pages = server = None
    if options.mode != "queryset":
        port = free_port() if options.mode == "http" else None
        server = start_server(port, options.database_url) if port else None
        pages = Pages(options.mode, port)
        for user in (salesperson, manager, gm):
            pages.session_of(user)
    cpu_clock = CpuClock(connection, server.pid if server else None)

    def search_case(user, queries):
        state = {"i": 0, "query": ""}

        def prepare():
            state["query"] = queries[state["i"] % len(queries)]
            state["i"] += 1
            if pages is not None:
                pages.set_search(user, state["query"])  # what the search form's POST does; not timed

        def run():
            if pages is None:
                counted_window(selectors.customers_for(user, selectors.CustomerFilters(q=state["query"])), 0, 21)
            else:
                pages.get(user, reverse("customers:list"))
        return prepare, run

    def detail_case(user, pks):
        state = {"i": 0}

        def run():
            pk = pks[state["i"] % len(pks)]
            state["i"] += 1
            if pages is None:
                customer = selectors.customer_detail_for(user, pk)
                timeline.events_for(customer, user)
                list(selectors.field_history(customer))
            else:
                pages.get(user, reverse("customers:detail", args=[pk]))
        return (lambda: None), run

    cases = {
        "list, salesperson (own + shared)": (salesperson, [""]),
        "list, sales manager (department tree)": (manager, [""]),
        "list, general manager (all)": (gm, [""]),
        "name substring, 1 char (GM)": (gm, [c.name[2] for c in sample]),
        "name substring, 2 chars (GM)": (gm, [c.name[2:4] for c in sample]),
        "name substring, 2 chars (salesperson)": (salesperson, [c.name[2:4] for c in sample]),
        "name substring, 4 chars (GM)": (gm, [c.name[2:6] for c in sample]),
        "name substring, 4 chars (salesperson)": (salesperson, [c.name[2:6] for c in sample]),
        "pinyin initials (GM)": (gm, [c.name_initials.split()[0][:5] for c in sample]),
        "full pinyin (GM)": (gm, [c.name_pinyin[:12] for c in sample]),
        "phone last 4 (GM)": (gm, [m[-4:] for m in mobiles]),
        "phone full (GM)": (gm, mobiles),
        "credit code (GM)": (gm, [c.credit_code.lower() for c in sample]),
    }
    print(f"{'case':42} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'cpu p95':>8} {'cpu mean':>8}")
    try:
        for label, (user, queries) in cases.items():
            if options.only not in label:
                continue
            print(f"{label:42} " + " ".join(f"{v:8.1f}" for v in timed(search_case(user, queries), samples, cpu_clock)),
                  flush=True)
            if options.explain and connection.vendor == "postgresql" and queries[0]:
                rows = selectors.customers_for(user, selectors.CustomerFilters(q=queries[0]))
                print("   ", rows[:21].explain(analyze=True).replace("\n", "\n    "))
        for label, (user, pks) in {"detail, salesperson (own)": (salesperson, own),
                                   "detail, general manager": (gm, [c.pk for c in sample])}.items():
            if options.only in label:
                print(f"{label:42} " + " ".join(f"{v:8.1f}" for v in timed(detail_case(user, pks), samples, cpu_clock)),
                      flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    load = os.getloadavg()
    print(f"load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
