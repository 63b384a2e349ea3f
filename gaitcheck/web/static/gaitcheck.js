// gaitcheck serve: the upload page, the job page and the token prompt. Plain JavaScript, no
// framework, nothing loaded from elsewhere. The access token (when the server has one) lives in
// localStorage and in a same-site cookie, and goes out as "Authorization: Bearer" on API calls.
"use strict";

const TOKEN_KEY = "gaitcheck-token";
const POLL_MS = 1500;

function token() {
  return localStorage.getItem(TOKEN_KEY) || "";
}

function authHeaders() {
  const value = token();
  return value ? { Authorization: "Bearer " + value } : {};
}

function withToken(url) {
  const value = token();
  if (!value) return url;
  return url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(value);
}

async function api(method, url) {
  const response = await fetch(url, { method, headers: authHeaders() });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) location.reload();
  if (!response.ok) throw new Error(body.error || "The server answered " + response.status + ".");
  return body;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function megabytes(bytes) {
  return (bytes / (1024 * 1024)).toFixed(1) + " MB";
}

// --- the token prompt --------------------------------------------------------------------------
function startLogin() {
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = document.getElementById("token").value.trim();
    localStorage.setItem(TOKEN_KEY, value);
    document.cookie = "gaitcheck_token=" + encodeURIComponent(value) + "; path=/; SameSite=Strict";
    location.reload();
  });
}

// --- the upload page ---------------------------------------------------------------------------
const uploads = new Map(); // local key -> {name, fraction}
let selected = null;

function startUpload() {
  const input = document.getElementById("file");
  const drop = document.getElementById("drop");
  input.addEventListener("change", () => choose(input.files[0]));
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    choose(event.dataTransfer.files[0]);
  });
  document.getElementById("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (selected) send(selected);
  });
  refreshJobs();
  setInterval(refreshJobs, POLL_MS);
}

function choose(file) {
  selected = file || null;
  document.getElementById("chosen").textContent = file ? file.name + " (" + megabytes(file.size) + ")" : "";
  document.getElementById("send").disabled = !file;
  showUploadError("");
}

function showUploadError(message) {
  const box = document.getElementById("upload-error");
  box.textContent = message;
  box.hidden = !message;
}

function send(file) {
  const data = new FormData();
  for (const name of ["movement", "view", "label"]) data.append(name, document.getElementById(name).value);
  data.append("video", file, file.name);
  const key = String(Date.now()) + Math.random();
  uploads.set(key, { name: file.name, fraction: 0 });
  const request = new XMLHttpRequest();
  request.open("POST", "/api/jobs");
  for (const [name, value] of Object.entries(authHeaders())) request.setRequestHeader(name, value);
  request.upload.onprogress = (event) => {
    if (event.lengthComputable) uploads.get(key).fraction = event.loaded / event.total;
    renderJobs(lastJobs);
  };
  request.onload = () => {
    uploads.delete(key);
    if (request.status !== 201) {
      let message = "The upload failed (the server answered " + request.status + ").";
      try { message = JSON.parse(request.responseText).error || message; } catch (ignored) { /* not JSON */ }
      showUploadError(file.name + ": " + message);
    }
    refreshJobs();
  };
  request.onerror = () => {
    uploads.delete(key);
    showUploadError(file.name + ": the upload was interrupted; check the connection and try again.");
    renderJobs(lastJobs);
  };
  request.send(data);
  choose(null);
  document.getElementById("file").value = "";
  renderJobs(lastJobs);
}

let lastJobs = [];

async function refreshJobs() {
  try {
    lastJobs = (await api("GET", "/api/jobs")).jobs;
  } catch (problem) {
    showUploadError(problem.message);
  }
  renderJobs(lastJobs);
}

function progressBar(fraction) {
  const bar = element("progress");
  bar.max = 100;
  bar.value = Math.round(100 * fraction);
  return bar;
}

function jobState(job) {
  if (job.status === "queued") return "Waiting: number " + job.queue_position + " in the queue";
  if (job.status === "running") {
    return "Analysing: " + (job.stage_label || "starting") + " (" + Math.round(100 * job.progress) + "%)";
  }
  if (job.status === "failed") return "Failed: " + (job.error || "the analysis did not finish.");
  return "Done: open the result";
}

function renderJobs(jobs) {
  const list = document.getElementById("jobs");
  if (!list) return;
  list.replaceChildren();
  for (const item of uploads.values()) {
    const row = element("li", "job uploading");
    row.append(element("span", "job-title", item.name), element("span", "job-state", "Uploading"));
    row.append(progressBar(item.fraction));
    list.append(row);
  }
  for (const job of jobs) {
    const row = element("li", "job " + job.status);
    row.dataset.jobId = job.id;
    const link = element("a", "job-title", job.label || job.original_filename || job.id);
    link.href = job.page;
    const created = (job.created || "").replace("T", " ").replace("+00:00", " UTC");
    const when = job.label && job.original_filename ? job.original_filename + " · " + created : created;
    row.append(link, element("span", "job-state", jobState(job)), element("span", "job-when", when));
    if (job.status === "running") row.append(progressBar(job.progress));
    list.append(row);
  }
  if (!list.children.length) list.append(element("li", "empty", "No videos yet."));
}

// --- the job page ------------------------------------------------------------------------------
function startJob() {
  const body = document.body;
  for (const link of document.querySelectorAll("[data-file]")) link.href = withToken(link.getAttribute("href"));
  const video = document.getElementById("video");
  if (video && token()) video.src = withToken(video.getAttribute("src"));
  document.getElementById("delete").addEventListener("click", deleteJob);
  if (body.dataset.status === "queued" || body.dataset.status === "running") {
    setInterval(() => followJob(body.dataset.jobId), POLL_MS);
  }
}

async function followJob(id) {
  let job;
  try {
    job = await api("GET", "/api/jobs/" + id);
  } catch (problem) {
    document.querySelector("#status .status-text").textContent = problem.message;
    return;
  }
  if (job.status !== document.body.dataset.status && (job.status === "done" || job.status === "failed")) {
    location.reload();
    return;
  }
  document.querySelector("#status .status-text").textContent = jobState(job) + ".";
  const bar = document.querySelector("#status progress");
  if (bar) bar.value = Math.round(100 * job.progress);
}

async function deleteJob() {
  if (!confirm("Delete this job, its video and all its results?")) return;
  try {
    await api("DELETE", "/api/jobs/" + document.body.dataset.jobId);
    location.href = "/";
  } catch (problem) {
    alert(problem.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const start = { upload: startUpload, job: startJob, login: startLogin }[document.body.dataset.page];
  if (start) start();
});
