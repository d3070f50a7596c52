"""Load test: several app processes on one store, readers browsing while chargés upload.

    python scripts/load_test.py                          # its own PostgreSQL, 2 processes, 30 + 3, 120 s
    python scripts/load_test.py --database-url postgresql+psycopg://ctg@db/ctg
    python scripts/load_test.py --duration 20 --readers 5 --uploaders 1   # a short run

Each simulated user is a browser tab as Streamlit's own front end speaks to the server: one
websocket (`/_stcore/stream`), page changes sent as reruns, the page done when the server
says its script finished. Users are spread over the app processes and stay on theirs (what a
reverse proxy's sticky sessions do). Readers log in through the login form and open pages
one after another with a pause of 0,5 to 2 s; chargés log in, open « Dépôt trimestriel »,
send a file through the file uploader's own upload route (the one a browser uses), read the
report and press « Valider le dépôt »; every third file carries a non-numeric value and must
be refused.

At the end the store is checked: every accepted file is one batch, its values are in force
once, each chargé's communes hold the values of his last accepted file, and no refused file
left a batch. The report gives pages served, p50/p95/max time per page and errors (an
exception, an error message on a page, a refused connection, a page that did not finish in
60 s). Exit status 0 only with no error and nothing lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import hashlib
import http.client
import math
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402  (Streamlit's own dependency)
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetStates  # noqa: E402

READER_PAGES = {  # page name -> weight (what a COPIL member opens most)
    "": 4,
    "ambition": 3,
    "communes": 3,
    "completude": 2,
    "gouvernance": 1,
    "donnees": 1,
    "coherence": 1,
    "referentiel": 1,
}
PAGE_LABELS = {"": "vue_ensemble"}
PAGE_TIMEOUT = 60.0
QUARTER = "2026-T3"
PASSWORD = "charge-de-test-2026!"


# =============================================================================================
# One browser tab
# =============================================================================================
@dataclasses.dataclass
class Run:
    elements: list[tuple[str, object]]
    seconds: float
    status: int
    session_id: str | None = None


class PageError(Exception):
    """A page run that failed: the text says how."""


class Tab:
    """A websocket session on one app process, as the browser's front end keeps it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.ws = None
        self.session_id: str | None = None
        self.cookies: dict[str, str] = {}
        self.xsrf = ""
        self.process = ""
        self.login_seconds = 0.0

    async def open(self) -> None:
        self.cookies = await asyncio.to_thread(_first_cookies, self.port)
        self.xsrf = self.cookies.get("_streamlit_xsrf", "")
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream",
            subprotocols=["streamlit", self.xsrf] if self.xsrf else ["streamlit"],
            additional_headers={"Cookie": self.cookie_header()} if self.cookies else None,
            max_size=None,
            open_timeout=PAGE_TIMEOUT,
        )
        self.process = self.ws.response.headers.get("X-CTG-Processus", str(self.port))

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()

    async def send(self, message: BackMsg) -> None:
        await self.ws.send(message.SerializeToString())

    async def receive(self) -> ForwardMsg:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(self.ws.recv(), PAGE_TIMEOUT))
        return message

    async def run(self, page: str, widgets: WidgetStates | None = None) -> Run:
        """Rerun `page` with these widget states and wait until its script finished."""
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_name = page
        if widgets is not None:
            message.rerun_script.widget_states.CopyFrom(widgets)
        started = time.perf_counter()
        await self.send(message)
        elements: list[tuple[str, object]] = []
        while True:
            reply = await self.receive()
            kind = reply.WhichOneof("type")
            if kind == "new_session":
                self.session_id = reply.new_session.initialize.session_id
            elif kind == "delta" and reply.delta.WhichOneof("type") == "new_element":
                element = reply.delta.new_element
                name = element.WhichOneof("type")
                elements.append((name, getattr(element, name)))
            elif kind == "script_finished":
                if reply.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    elements = []  # the page reran itself (st.rerun): its next run is what shows
                    continue
                status = reply.script_finished
                return Run(elements, time.perf_counter() - started, status, self.session_id)

    async def login(self, login: str, password: str) -> None:
        first = await self.run("")
        ids = widget_ids(first)
        if "Identifiant" not in ids:
            raise PageError("formulaire de connexion absent")
        states = WidgetStates()
        for label, value in (("Identifiant", login), ("Mot de passe", password)):
            state = states.widgets.add()
            state.id, state.string_value = ids[label], value
        state = states.widgets.add()
        state.id, state.trigger_value = ids["Se connecter"], True
        after = await self.run("", states)
        self.login_seconds = first.seconds + after.seconds
        if any(label == "Se connecter" for label in widget_ids(after)):
            raise PageError(
                f"connexion refusée pour {login} : {errors_of(after) or 'formulaire encore affiché'}"
            )

    async def upload(self, name: str, data: bytes) -> tuple[str, Run]:
        """Send a file through the Dépôt page as the browser does; press « Valider » if offered.

        Returns ("accepte", run) with the batch number in the flash message, or ("refuse", run).
        """
        page = await self.run("depot")
        uploader = next((e for k, e in page.elements if k == "file_uploader"), None)
        if uploader is None:
            raise PageError("pas de champ de dépôt sur la page Dépôt trimestriel")
        request = BackMsg()
        request.file_urls_request.request_id = uuid.uuid4().hex
        request.file_urls_request.file_names.append(name)
        request.file_urls_request.session_id = self.session_id or ""
        await self.send(request)
        while True:
            reply = await self.receive()
            if reply.WhichOneof("type") == "file_urls_response":
                urls = reply.file_urls_response.file_urls[0]
                break
        await asyncio.to_thread(
            _put_file, self.port, urls.upload_url, name, data, self.xsrf, self.cookie_header()
        )
        states = WidgetStates()
        state = states.widgets.add()
        state.id = uploader.id
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, name, len(data)
        info.file_urls.CopyFrom(urls)
        checked = await self.run("depot", states)
        button = widget_ids(checked).get("Valider le dépôt")
        if button is None:
            return "refuse", checked
        press = states.widgets.add()
        press.id, press.trigger_value = button, True
        return "accepte", await self.run("depot", states)


def widget_ids(run: Run) -> dict[str, str]:
    """Widget labels -> ids (a button's label without its count in brackets)."""
    found = {}
    for _kind, element in run.elements:
        label = getattr(element, "label", None)
        if label and getattr(element, "id", None):
            found[re.sub(r" \(.*\)$", "", label)] = element.id
    return found


def errors_of(run: Run) -> list[str]:
    """What a user would see as an error: an exception, or a red message."""
    found = []
    for kind, element in run.elements:
        if kind == "exception":
            found.append(f"exception : {element.type} {element.message[:200]}")
        elif kind == "alert" and element.format == 1:  # Alert.ERROR
            found.append(f"message d'erreur : {element.body[:200]}")
    return found


def texts_of(run: Run) -> str:
    return " ".join(getattr(e, "body", "") for k, e in run.elements if k in ("alert", "markdown", "toast"))


def _first_cookies(port: int) -> dict[str, str]:
    """The cookies a browser gets from its first request (Streamlit's XSRF one, the proxy's route)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PAGE_TIMEOUT)
    try:
        connection.request("GET", "/_stcore/health")
        response = connection.getresponse()
        response.read()
        cookies = {}
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and "=" in value:
                name, _, rest = value.partition("=")
                cookies[name.strip()] = rest.split(";", 1)[0]
        return cookies
    finally:
        connection.close()


def _put_file(port: int, url: str, name: str, data: bytes, xsrf: str, cookies: str) -> None:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{uuid.uuid4().hex}"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    if xsrf:
        headers["X-Xsrftoken"] = xsrf
    if cookies:
        headers["Cookie"] = cookies
    path = url if url.startswith("/") else "/" + url.split("/", 3)[-1]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=PAGE_TIMEOUT)
    try:
        connection.request("PUT", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        if response.status >= 300:
            raise PageError(f"envoi du fichier refusé par le serveur ({response.status}) : {text[:200]}")
    finally:
        connection.close()


# =============================================================================================
# The simulated users
# =============================================================================================
@dataclasses.dataclass
class Tally:
    pages: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    errors: list[str] = dataclasses.field(default_factory=list)
    uploads: list[dict] = dataclasses.field(default_factory=list)
    tabs: dict[str, int] = dataclasses.field(default_factory=dict)

    def opened(self, tab: Tab) -> None:
        self.tabs[tab.process] = self.tabs.get(tab.process, 0) + 1

    def page(self, name: str, run: Run) -> None:
        self.pages.setdefault(PAGE_LABELS.get(name, name), []).append(run.seconds)
        for error in errors_of(run):
            self.errors.append(f"{PAGE_LABELS.get(name, name)} : {error}")


async def reader(number: int, port: int, login: str, password: str, deadline: float, tally: Tally) -> None:
    rng = random.Random(number)
    pages, weights = zip(*READER_PAGES.items(), strict=True)
    tab = Tab(port)
    try:
        await tab.open()
        tally.opened(tab)
        await tab.login(login, password)
        tally.pages.setdefault("connexion (formulaire)", []).append(tab.login_seconds)
        while time.monotonic() < deadline:
            name = rng.choices(pages, weights)[0]
            run = await tab.run(name)
            tally.page(name, run)
            await asyncio.sleep(rng.uniform(0.5, 2.0))
    except (PageError, OSError, TimeoutError, websockets.WebSocketException) as exc:
        tally.errors.append(f"lecteur {number} (port {port}) : {type(exc).__name__} {exc}")
    finally:
        await tab.close()


async def uploader(
    number: int, port: int, login: str, files: list[tuple[str, bytes, bool]], deadline: float, tally: Tally
) -> None:
    tab = Tab(port)
    try:
        await tab.open()
        tally.opened(tab)
        await tab.login(login, PASSWORD)
        index = 0
        while time.monotonic() < deadline:
            name, data, valid = files[index % len(files)]
            index += 1
            started = time.perf_counter()
            outcome, run = await tab.upload(name, data)
            seconds = time.perf_counter() - started
            tally.pages.setdefault("depot (fichier envoyé et validé)", []).append(seconds)
            text = texts_of(run)
            batch = re.search(r"Dépôt n°(\d+) enregistré", text)
            record = {
                "chargé": login,
                "fichier": name,
                "sha256": hashlib.sha256(data).hexdigest(),
                "attendu": "accepte" if valid else "refuse",
                "obtenu": outcome,
                "lot": int(batch.group(1)) if batch else None,
                "ordre": index,
            }
            tally.uploads.append(record)
            if outcome != record["attendu"]:
                tally.errors.append(
                    f"{login} : {name} {outcome} au lieu de {record['attendu']} ({text[:200]})"
                )
            elif valid and batch is None:
                tally.errors.append(f"{login} : {name} validé sans numéro de dépôt ({text[:200]})")
            if not valid:
                errors_shown = [e for e in errors_of(run) if "Fichier refusé" not in e]
                tally.errors.extend(f"{login} : {e}" for e in errors_shown)
            await asyncio.sleep(1.0)
    except (PageError, OSError, TimeoutError, websockets.WebSocketException) as exc:
        tally.errors.append(f"chargé {number} (port {port}) : {type(exc).__name__} {exc}")
    finally:
        await tab.close()


# =============================================================================================
# Setting up: the store, the accounts, the files, the app processes
# =============================================================================================
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def throwaway_postgres(folder: Path) -> Iterator[str]:
    """A PostgreSQL cluster of its own (the tests' throwaway one, tests/pg.py: a temporary folder,
    a free local port, fsync off), stopped and removed at the end."""
    del folder
    from tests.pg import Cluster  # noqa: PLC0415

    cluster = Cluster()
    try:
        yield cluster.url(cluster.create_database(name="ctg"))
    finally:
        cluster.stop()


def prepare_store(url: str, uploaders: int, readers: int) -> tuple[list[str], dict[str, list]]:
    """Reference + demonstration data, one reader account and the chargés (disjoint communes).

    Returns the readers' logins and, per chargé, the files to send (valid and not).
    """
    env = os.environ | {"CTG_DATABASE_URL": url}
    for command in (["initialiser"], ["demo"]):
        subprocess.run(
            [sys.executable, "cli.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    os.environ["CTG_DATABASE_URL"] = url
    from indicators.access import SYSTEM  # noqa: PLC0415
    from reports.template import template_csv, template_frame  # noqa: PLC0415
    from services.accounts import create_user  # noqa: PLC0415
    from services.reference import open_store, read_reference  # noqa: PLC0415
    from services.values import current_values  # noqa: PLC0415

    ref = read_reference()
    communes = [t.code for t in ref.communes()]
    files: dict[str, list] = {}
    with open_store(url) as store:
        values = current_values(store, ref)
        readers_logins = [f"lecteur-{i:02d}" for i in range(1, readers + 1)]
        for login in readers_logins:
            create_user(store, SYSTEM, login, "lecteur", password=PASSWORD, nom=f"Lecteur {login[-2:]}")
        for number in range(1, uploaders + 1):
            mine = communes[(number - 1) * 8 : number * 8]
            login = f"charge-{number}"
            create_user(store, SYSTEM, login, "charge", mine, password=PASSWORD, nom=f"Chargé {number}")
            files[login] = _files_for(ref, mine, values, number, template_frame, template_csv)
    return readers_logins, files


def _files_for(ref, communes, values, number, template_frame, template_csv) -> list[tuple[str, bytes, bool]]:
    """Six quarterly files for these communes: values of 2026-T2 times a factor; the third and
    sixth carry « beaucoup » as a value (refused)."""
    rng = random.Random(1000 + number)
    base = values[(values["periode"] == "2026-T2") & values["territoire"].isin(communes)]
    known = {(r.indicateur, r.territoire): r.valeur for r in base.itertuples()}
    frame = template_frame(ref, communes, QUARTER, values)
    files = []
    for index in range(6):
        factor = rng.uniform(0.85, 0.99)
        cells = []
        for code, territory in zip(frame["indicateur"], frame["territoire"], strict=True):
            value = known.get((code, territory))
            if value is None or (isinstance(value, float) and math.isnan(value)):
                cells.append("")
            elif ref.by_code[code].entier:
                cells.append(str(math.floor(value * factor)))
            else:
                cells.append(f"{round(value * factor, 2)}".replace(".", ","))
        valid = index % 3 != 2
        if not valid:
            filled = [i for i, c in enumerate(cells) if c]
            cells[filled[len(filled) // 2]] = "beaucoup"
        files.append((f"depot_{number}_{index + 1}.csv", template_csv(frame.assign(valeur=cells)), valid))
    return files


@contextlib.contextmanager
def app_processes(url: str, count: int, logs: Path) -> Iterator[list[int]]:
    ports = [free_port() for _ in range(count)]
    env = os.environ | {"CTG_DATABASE_URL": url}
    started = []
    try:
        for port in ports:
            log = (logs / f"app-{port}.log").open("w")
            started.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "streamlit",
                        "run",
                        "server.py",
                        "--server.port",
                        str(port),
                        "--server.headless",
                        "true",
                        "--server.address",
                        "127.0.0.1",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for port in ports:
            _wait_healthy(port)
        yield ports
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def nginx_proxy(ports: list[int], work: Path) -> Iterator[int]:
    """nginx with deploy/nginx-ctg.conf in front of these processes; yields its port."""
    port = free_port()
    folder = work / "nginx"
    folder.mkdir()
    work.chmod(0o755)
    folder.chmod(0o777)  # nginx's workers (« nobody » when started as root) write their buffers here
    backends = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
    text = (ROOT / "deploy" / "nginx-ctg.conf").read_text(encoding="utf-8")
    conf = folder / "nginx.conf"
    conf.write_text(
        text.replace("@WORK@", str(folder)).replace("@PORT@", str(port)).replace("@BACKENDS@", backends),
        encoding="utf-8",
    )
    log = (folder / "nginx.log").open("w")
    process = subprocess.Popen(
        [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(port, 30.0)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_healthy(port: int, seconds: float = 90.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/_stcore/health")
            if connection.getresponse().status == 200:
                return
        time.sleep(0.5)
    raise SystemExit(f"Le processus de l'application sur le port {port} n'a pas démarré.")


# =============================================================================================
# Checking the store after the run
# =============================================================================================
def check_store(url: str, uploads: list[dict]) -> list[str]:
    """What was lost or doubled: the store against what each chargé was told."""
    from services.reference import open_store, read_reference  # noqa: PLC0415
    from services.uploads import batch_history  # noqa: PLC0415
    from services.values import current_values  # noqa: PLC0415

    problems = []
    ref = read_reference()
    with open_store(url) as store:
        history = batch_history(store, ref.convention.code)
        values = current_values(store, ref)
    doubled = values.duplicated(["indicateur", "territoire", "periode"]).sum()
    if doubled:
        problems.append(f"{doubled} valeur(s) en vigueur en double")
    batches = {int(n): row for n, row in zip(history["n°"], history.to_dict("records"), strict=True)}
    shas = set(history["sha256"])
    for upload in uploads:
        if upload["obtenu"] == "refuse" and upload["sha256"] in shas:
            problems.append(f"{upload['fichier']} refusé mais présent dans l'historique")
        if upload["obtenu"] == "accepte" and upload["lot"] not in batches:
            problems.append(
                f"{upload['fichier']} accepté (dépôt {upload['lot']}) mais absent de l'historique"
            )
    return problems


def last_files_hold(url: str, uploads: list[dict], files: dict[str, list]) -> list[str]:
    """Each chargé's communes hold, for the quarter, the values of his last accepted file."""
    import io  # noqa: PLC0415

    import pandas as pd  # noqa: PLC0415

    from services.reference import open_store, read_reference  # noqa: PLC0415
    from services.values import current_values  # noqa: PLC0415

    ref = read_reference()
    with open_store(url) as store:
        values = current_values(store, ref)
    values = values[values["periode"] == QUARTER].set_index(["indicateur", "territoire"])["valeur"]
    problems = []
    for login, sent in files.items():
        accepted = [u for u in uploads if u["chargé"] == login and u["obtenu"] == "accepte"]
        if not accepted:
            continue
        last = max(accepted, key=lambda u: u["ordre"])
        data = next(d for name, d, _ in sent if name == last["fichier"])
        frame = pd.read_csv(io.BytesIO(data), sep=";", dtype=str, encoding="utf-8-sig")
        frame = frame[frame["valeur"].fillna("") != ""]
        wrong = 0
        for row in frame.itertuples():
            code = ref.by_code.get(row.indicateur) and row.indicateur
            stored = values.get((code or row.indicateur, row.territoire))
            if stored is None or abs(float(str(row.valeur).replace(",", ".")) - float(stored)) > 1e-6:
                wrong += 1
        if wrong:
            problems.append(f"{login} : {wrong} valeur(s) du dernier fichier accepté absentes ou différentes")
    return problems


# =============================================================================================
# The run and its report
# =============================================================================================
def _fr(number: float, digits: int = 2) -> str:
    return f"{number:,.{digits}f}".replace(",", " ").replace(".", ",")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


async def simulate(ports, readers, files, duration) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + duration
    tasks = [
        reader(i, ports[i % len(ports)], login, PASSWORD, deadline, tally) for i, login in enumerate(readers)
    ]
    tasks += [
        uploader(i, ports[(i + 1) % len(ports)], login, sent, deadline, tally)
        for i, (login, sent) in enumerate(files.items())
    ]
    await asyncio.gather(*tasks)
    return tally


def report(tally: Tally, problems: list[str], args, ports) -> str:
    lines = [
        f"Test de charge : {len(ports)} processus de l'application sur un même stockage, "
        f"{args.readers} lecteurs, {args.uploaders} chargés, {args.duration:.0f} s"
        + ("" if args.sans_proxy else " (derrière nginx, sessions collantes)"),
        "Onglets par processus : " + ", ".join(f"{p} : {n}" for p, n in sorted(tally.tabs.items())),
        "",
        "| page | servies | p50 | p95 | max |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    every = []
    for name in sorted(tally.pages):
        seconds = tally.pages[name]
        every += seconds
        lines.append(
            f"| {name} | {len(seconds)} | {_fr(statistics.median(seconds))} s | "
            f"{_fr(percentile(seconds, 0.95))} s | {_fr(max(seconds))} s |"
        )
    if every:
        lines.append(
            f"| **toutes** | {len(every)} | {_fr(statistics.median(every))} s | "
            f"{_fr(percentile(every, 0.95))} s | {_fr(max(every))} s |"
        )
    accepted = sum(u["obtenu"] == "accepte" for u in tally.uploads)
    refused = sum(u["obtenu"] == "refuse" for u in tally.uploads)
    lines += [
        "",
        f"Fichiers déposés : {len(tally.uploads)} ({accepted} acceptés, {refused} refusés comme attendu "
        f"{sum(u['attendu'] == 'refuse' for u in tally.uploads)}).",
        f"Erreurs : {len(tally.errors)}.",
        *(f"  - {e}" for e in tally.errors[:20]),
        f"Perdu ou en double dans le stockage : {len(problems)}.",
        *(f"  - {p}" for p in problems[:20]),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="stockage partagé (défaut : un PostgreSQL jetable)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--readers", type=int, default=30)
    parser.add_argument("--uploaders", type=int, default=3)
    parser.add_argument("--duration", type=float, default=120.0)
    parser.add_argument(
        "--sans-proxy",
        action="store_true",
        help="se connecter directement aux processus (défaut : nginx devant, deploy/nginx-ctg.conf)",
    )
    parser.add_argument("--keep", action="store_true", help="garder le dossier de travail (journaux)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ctg-charge-"))
    try:
        with contextlib.ExitStack() as stack:
            url = args.database_url or stack.enter_context(throwaway_postgres(work / "pg"))
            print("Préparation du stockage…", flush=True)
            readers, files = prepare_store(url, args.uploaders, args.readers)
            ports = stack.enter_context(app_processes(url, args.processes, work))
            print(f"Processus prêts sur les ports {', '.join(map(str, ports))}", flush=True)
            entry = ports
            if not args.sans_proxy:
                entry = [stack.enter_context(nginx_proxy(ports, work))]
                print(f"nginx devant eux sur le port {entry[0]}", flush=True)
            print("Simulation…", flush=True)
            tally = asyncio.run(simulate(entry, readers, files, args.duration))
            problems = check_store(url, tally.uploads) + last_files_hold(url, tally.uploads, files)
            print(report(tally, problems, args, ports))
            return 0 if not tally.errors and not problems and tally.pages else 1
    finally:
        if args.keep:
            print(f"Journaux : {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
