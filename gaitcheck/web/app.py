"""The FastAPI app of `gaitcheck serve`: the JSON API, the two pages and their static files.

Every endpoint is `async` and touches the jobs table from the event loop only (one SQLite
connection, short transactions); anything slow (probing a video, zipping, deleting) runs in a
thread. Errors are always `{"error": "one sentence"}`: client mistakes are answered, never logged
as tracebacks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import secrets
import shutil
import tempfile
import typing
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from gaitcheck.errors import GaitcheckError
from gaitcheck.settings import MovementChoice, ViewChoice
from gaitcheck.web import keyframes, pages, uploads
from gaitcheck.web.jobs import Job, JobStore, NewJob, new_job_id
from gaitcheck.web.options import JOB_ID_PATTERN, ServeOptions
from gaitcheck.web.uploads import UploadRefused
from gaitcheck.web.worker import RESULT_DIR, STAGE_LABEL

log = logging.getLogger(__name__)

TOKEN_COOKIE = "gaitcheck_token"
MOVEMENT_CHOICES: tuple[str, ...] = typing.get_args(MovementChoice)
VIEW_CHOICES: tuple[str, ...] = typing.get_args(ViewChoice)
#: Names a job file may have (checked before the folder listing is consulted).
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
#: Which job files are served, by extension, and as what.
MEDIA_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".log": "text/plain; charset=utf-8",
    ".trc": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    uploads.UNKNOWN_EXTENSION: "application/octet-stream",
    **uploads.VIDEO_TYPES,
}
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
#: Our own pages load nothing but what this server serves.
PAGE_POLICY = "default-src 'self'; img-src 'self' data:; media-src 'self'; object-src 'none'; frame-ancestors 'none'"
NO_JOB = "No such job: it may have been deleted; see the list of jobs on the upload page."
NO_FILE = "This job has no file of that name; see the job's list of files."
NOT_DONE = "This job has no results yet: wait until its analysis is done (see its status)."
NOT_FOUND = "Nothing here: check the address, or start from the upload page at /."


class ApiError(Exception):
    """A refusal: an HTTP status and one sentence saying what to do."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class NotAuthorized(Exception):
    """The request did not carry the server's token (`wrong`: it carried another one)."""

    def __init__(self, wrong: bool) -> None:
        super().__init__("wrong token" if wrong else "no token")
        self.wrong = wrong


def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status, headers={**SECURITY_HEADERS, "Content-Security-Policy": PAGE_POLICY})


def presented_token(request: Request) -> str | None:
    """The token a request carries: Authorization header, else ?token=, else the page's cookie."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    cookie = request.cookies.get(TOKEN_COOKIE)
    return request.query_params.get("token") or (unquote(cookie) if cookie else None)


def iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="seconds")


class Api:
    """The state behind the routes: options and the jobs table."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        options.jobs_dir.mkdir(parents=True, exist_ok=True)
        options.incoming_dir.mkdir(parents=True, exist_ok=True)
        self.jobs = JobStore(options.db_path, options.lease_s, options.max_attempts)
        self.edit_lock = asyncio.Lock()  # one hand edit at a time rewrites edits.json and summary.json

    def authorize(self, request: Request) -> None:
        if self.options.token is None or request.url.path.startswith("/static/"):
            return
        given = presented_token(request)
        if given is None or not secrets.compare_digest(given.encode(), self.options.token.encode()):
            raise NotAuthorized(wrong=given is not None)

    def job(self, job_id: str) -> Job:
        """The job of an id from a URL (checked against the id pattern first)."""
        job = self.jobs.get(job_id) if JOB_ID_PATTERN.fullmatch(job_id) else None
        if job is None:
            raise ApiError(404, NO_JOB)
        return job

    def files(self, job: Job) -> dict[str, Path]:
        """The files of a job that may be served: the upload, and the results once done."""
        folder = self.options.job_dir(job.id)
        candidates = [folder / job.video_name]
        if job.status == "done" and (folder / RESULT_DIR).is_dir():
            candidates += sorted((folder / RESULT_DIR).iterdir())
        return {
            p.name: p
            for p in candidates
            if p.is_file() and not p.is_symlink() and FILE_NAME.fullmatch(p.name) and p.suffix in MEDIA_TYPES
        }

    def describe(self, job: Job, queue_positions: dict[str, int] | None = None) -> dict[str, Any]:
        """A job as the API shows it; `queue_positions` when describing a list read at once
        (`JobStore.queue_positions`), else its place is counted now."""
        place = self.jobs.queue_position(job) if queue_positions is None else queue_positions.get(job.id)
        return {
            "id": job.id,
            "status": job.status,
            "stage": job.stage,
            "stage_label": STAGE_LABEL.get(job.stage or "", job.stage),
            "progress": round(job.progress, 3),
            "queue_position": place,
            "error": job.error,
            "files": {name: f"/api/jobs/{job.id}/files/{name}" for name in self.files(job)},
            "label": job.label,
            "movement": job.movement,
            "view": job.view,
            "original_filename": job.original_name,
            "video": job.video_name,
            "created": iso(job.created),
            "started": iso(job.started),
            "finished": iso(job.finished),
            "attempts": job.attempts,
            "page": f"/jobs/{job.id}",
        }

    def check_fields(self, fields: dict[str, str]) -> tuple[str, str, str]:
        """movement, view (from gaitcheck's vocabulary, or auto) and label of an upload form."""
        movement = fields.get("movement") or "auto"
        view = fields.get("view") or "auto"
        if movement not in MOVEMENT_CHOICES:
            raise ApiError(422, f"The movement must be one of {', '.join(MOVEMENT_CHOICES)} (got '{movement}').")
        if view not in VIEW_CHOICES:
            raise ApiError(422, f"The view must be one of {', '.join(VIEW_CHOICES)} (got '{view}').")
        return movement, view, uploads.display_name(fields.get("label", ""))

    async def create(self, request: Request) -> JSONResponse:
        """Receive an upload into incoming/, check it, then move it whole into jobs/ and queue it."""
        job_id = new_job_id()
        incoming = self.options.incoming_dir / job_id
        incoming.mkdir(parents=True)
        try:
            headers = dict(request.headers)
            upload = await uploads.receive(headers, request.stream(), incoming, self.options.max_upload_bytes)
            movement, view, label = self.check_fields(upload.fields)
            await run_in_threadpool(uploads.check_video, upload)
            assert upload.video_path is not None  # check_video refused a form without one
            incoming.replace(self.options.job_dir(job_id))
        except BaseException:
            await run_in_threadpool(shutil.rmtree, incoming, True)
            raise
        new = NewJob(job_id, upload.video_path.name, movement, view, label, upload.original_name)
        job = self.jobs.add(new)
        log.info("job %s queued: %s (%d bytes)", job.id, job.original_name, upload.size_bytes)
        return JSONResponse(self.describe(job), 201, headers=SECURITY_HEADERS)

    async def refreshed(self, job: Job) -> None:
        """The report rewritten first when a hand edit made it stale (it shows the edits too)."""
        folder = self.options.job_dir(job.id) / RESULT_DIR
        if job.status == "done" and keyframes.report_is_stale(folder):
            async with self.edit_lock:
                await run_in_threadpool(keyframes.refresh_report, folder)

    async def file(self, job_id: str, name: str) -> FileResponse:
        job = self.job(job_id)
        if name in keyframes.REFRESHED_FILES:
            await self.refreshed(job)
        path = self.files(job).get(name) if FILE_NAME.fullmatch(name) else None
        if path is None:
            raise ApiError(404, NO_FILE)
        return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)

    async def archive(self, job_id: str) -> FileResponse:
        """Every file of the job in one zip (written to a temporary file, removed once sent)."""
        job = self.job(job_id)
        await self.refreshed(job)
        files = self.files(job)
        handle = tempfile.NamedTemporaryFile(dir=self.options.incoming_dir, suffix=".zip", delete=False)
        handle.close()
        target = Path(handle.name)
        await run_in_threadpool(write_zip, target, files)
        return FileResponse(
            target,
            media_type="application/zip",
            filename=f"gaitcheck-{job.id}.zip",
            headers=SECURITY_HEADERS,
            background=BackgroundTask(target.unlink, missing_ok=True),
        )

    def result_dir(self, job_id: str) -> Path:
        """The result folder of a done job (404 with a sentence otherwise)."""
        job = self.job(job_id)
        folder = self.options.job_dir(job.id) / RESULT_DIR
        if job.status != "done" or not folder.is_dir():
            raise ApiError(404, NOT_DONE)
        return folder

    async def viewer(self, job_id: str) -> JSONResponse:
        """The curve viewer's data (gaitcheck.report.viewer.viewer_data) of a done job."""
        folder = self.result_dir(job_id)
        data = await run_in_threadpool(curve_data, folder)
        return JSONResponse(data, headers=SECURITY_HEADERS)

    async def key_frame_list(self, job_id: str) -> JSONResponse:
        """Every graded key frame of a done job, with its automatic values and its hand edit (or null)."""
        from gaitcheck.report.style import VERDICT_SHORT  # matplotlib: not at the server's start

        folder = self.result_dir(job_id)
        frames = await run_in_threadpool(keyframes.key_frames, folder)
        edits = await run_in_threadpool(keyframes.read_edits, folder)
        listed = [{**f.to_json(job_id), "hand_adjusted": edits.get(key)} for key, f in frames.items()]
        return JSONResponse({"keyframes": listed, "verdict_labels": VERDICT_SHORT}, headers=SECURITY_HEADERS)

    async def key_frame_image(self, job_id: str, key: str) -> Response:
        """The key frame's picture (around its points), decoded from the upload."""
        folder = self.result_dir(job_id)
        frame = await run_in_threadpool(keyframes.find, folder, key)
        video = self.options.job_dir(job_id) / self.job(job_id).video_name
        every = await run_in_threadpool(keyframes.key_frames, folder)
        image = await run_in_threadpool(keyframes.frame_jpeg, video, frame, every)
        return Response(
            image, media_type="image/jpeg", headers={**SECURITY_HEADERS, "Cache-Control": "private, max-age=3600"}
        )

    async def key_frame_edit(self, job_id: str, key: str, request: Request, save: bool) -> JSONResponse:
        """FPPA, hip adduction and grade of the points sent; saved as the key frame's hand edit when `save`."""
        folder = self.result_dir(job_id)
        frame = await run_in_threadpool(keyframes.find, folder, key)
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise ApiError(400, 'Send the points as JSON: {"points_px": {"hip": [x, y], ...}}.') from None
        points = keyframes.parse_points(body, frame.size_px)
        if save:
            async with self.edit_lock:
                answer = await run_in_threadpool(keyframes.save_edit, folder, frame, points)
        else:
            answer = keyframes.measure(points, frame)
        return JSONResponse({"key": key, **answer}, headers=SECURITY_HEADERS)

    async def key_frame_undo(self, job_id: str, key: str) -> JSONResponse:
        """Back to the automatic values of one key frame."""
        folder = self.result_dir(job_id)
        frame = await run_in_threadpool(keyframes.find, folder, key)
        async with self.edit_lock:
            removed = await run_in_threadpool(keyframes.remove_edit, folder, frame)
        if not removed:
            raise ApiError(404, f"The key frame {key} has no hand edit to undo.")
        return JSONResponse({"key": key, "hand_adjusted": None}, headers=SECURITY_HEADERS)

    async def delete(self, job_id: str) -> JSONResponse:
        """Remove the row first (a running worker then stops at its next heartbeat), then the files."""
        job = self.job(job_id)
        self.jobs.delete(job.id)
        await run_in_threadpool(shutil.rmtree, self.options.job_dir(job.id), True)
        log.info("job %s deleted", job.id)
        return JSONResponse({"id": job.id, "deleted": True}, headers=SECURITY_HEADERS)


def curve_data(folder: Path) -> dict[str, Any]:
    """The curve viewer's data of a result folder (409 with a sentence when it cannot be read)."""
    from gaitcheck.report.results import Result
    from gaitcheck.report.viewer import viewer_data

    try:
        return viewer_data(Result.from_folder(folder))
    except GaitcheckError as exc:
        raise ApiError(409, f"This job's results cannot be read ({exc}); analyse the video again.") from None


def write_zip(target: Path, files: dict[str, Path]) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, path in files.items():
            archive.write(path, name)


def add_api_routes(app: FastAPI, api: Api) -> None:
    @app.post("/api/jobs", status_code=201)
    async def create_job(request: Request) -> JSONResponse:
        return await api.create(request)

    @app.get("/api/jobs")
    async def list_jobs() -> dict[str, Any]:
        jobs = api.jobs.all()
        places = api.jobs.queue_positions(jobs)
        return {"jobs": [api.describe(job, places) for job in jobs]}

    @app.get("/api/jobs/{job_id}")
    async def get_job(job_id: str) -> dict[str, Any]:
        return api.describe(api.job(job_id))

    @app.get("/api/jobs/{job_id}/files/{name}")
    async def get_file(job_id: str, name: str) -> FileResponse:
        return await api.file(job_id, name)

    @app.get("/api/jobs/{job_id}/download.zip")
    async def get_zip(job_id: str) -> FileResponse:
        return await api.archive(job_id)

    @app.get("/api/jobs/{job_id}/viewer.json")
    async def get_viewer_data(job_id: str) -> JSONResponse:
        return await api.viewer(job_id)

    add_key_frame_routes(app, api)

    @app.delete("/api/jobs/{job_id}")
    async def delete_job(job_id: str) -> JSONResponse:
        return await api.delete(job_id)


def add_key_frame_routes(app: FastAPI, api: Api) -> None:
    """Checking the key frames by hand (gaitcheck.web.keyframes)."""

    @app.get("/api/jobs/{job_id}/keyframes")
    async def list_key_frames(job_id: str) -> JSONResponse:
        return await api.key_frame_list(job_id)

    @app.get("/api/jobs/{job_id}/keyframes/{key}.jpg")
    async def key_frame_image(job_id: str, key: str) -> Response:
        return await api.key_frame_image(job_id, key)

    @app.post("/api/jobs/{job_id}/keyframes/{key}/measure")
    async def measure_key_frame(job_id: str, key: str, request: Request) -> JSONResponse:
        return await api.key_frame_edit(job_id, key, request, save=False)

    @app.put("/api/jobs/{job_id}/keyframes/{key}")
    async def save_key_frame(job_id: str, key: str, request: Request) -> JSONResponse:
        return await api.key_frame_edit(job_id, key, request, save=True)

    @app.delete("/api/jobs/{job_id}/keyframes/{key}")
    async def undo_key_frame(job_id: str, key: str) -> JSONResponse:
        return await api.key_frame_undo(job_id, key)


def add_page_routes(app: FastAPI, api: Api) -> None:
    @app.get("/", response_class=HTMLResponse)
    async def upload_page() -> HTMLResponse:
        return html(pages.upload_page(MOVEMENT_CHOICES, VIEW_CHOICES, api.options.max_upload_mb))

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    async def job_page(job_id: str) -> HTMLResponse:
        job = api.job(job_id)
        result = api.options.job_dir(job.id) / RESULT_DIR
        return html(await run_in_threadpool(pages.job_page, api.describe(job), result))

    @app.get("/static/{name}")
    async def static(name: str) -> Response:
        if name not in pages.STATIC_TYPES:
            raise ApiError(404, NOT_FOUND)
        text = await run_in_threadpool(pages.static_text, name)
        return Response(text, media_type=pages.STATIC_TYPES[name], headers=SECURITY_HEADERS)


def add_error_handlers(app: FastAPI) -> None:
    """One sentence for every refusal: JSON for the API, a small page for the pages."""

    def answer(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            return error(status, message)
        return html(pages.message_page(message), status)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return answer(request, exc.status, exc.message)

    @app.exception_handler(UploadRefused)
    async def refused(request: Request, exc: UploadRefused) -> Response:
        log.info("upload refused: %s", exc.message)
        return answer(request, exc.status, exc.message)

    @app.exception_handler(keyframes.KeyFrameRefused)
    async def key_frame_refused(request: Request, exc: keyframes.KeyFrameRefused) -> Response:
        return answer(request, exc.status, exc.message)

    @app.exception_handler(NotAuthorized)
    async def not_authorized(request: Request, exc: NotAuthorized) -> Response:
        if not request.url.path.startswith("/api/"):
            return html(pages.login_page(exc.wrong), 401)
        message = (
            "The access token is wrong; ask whoever started the server for the right one."
            if exc.wrong
            else "This server needs its access token: send the header 'Authorization: Bearer <token>'."
        )
        return error(401, message, {"WWW-Authenticate": "Bearer"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: NOT_FOUND, 405: f"This address does not accept {request.method} requests."}
        return answer(request, exc.status_code, messages.get(exc.status_code, f"{exc.detail}."))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return answer(request, 422, "The request is not what this address expects; see docs/web.md for the API.")

    @app.exception_handler(ClientDisconnect)
    async def gone(request: Request, exc: ClientDisconnect) -> Response:
        return Response(status_code=400)  # nobody is listening any more

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> Response:
        log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
        return answer(request, 500, "gaitcheck hit an internal error; the server's log has the details.")


def create_app(options: ServeOptions) -> FastAPI:
    """The app for one data folder (the workers run elsewhere: gaitcheck.web.server)."""
    api = Api(options)
    app = FastAPI(
        title="gaitcheck",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(api.authorize)],
    )
    add_error_handlers(app)
    add_api_routes(app, api)
    add_page_routes(app, api)
    return app
