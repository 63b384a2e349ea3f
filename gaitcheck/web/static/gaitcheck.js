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

async function api(method, url, payload) {
  const headers = authHeaders();
  if (payload !== undefined) headers["Content-Type"] = "application/json";
  const sent = payload === undefined ? undefined : JSON.stringify(payload);
  const response = await fetch(url, { method, headers, body: sent });
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
  const curves = document.getElementById("curves");
  if (curves && video && curves.dataset.viewerUrl) mountCurves(curves, video);
  const keyFrames = document.getElementById("keyframes");
  if (keyFrames) startKeyFrames(keyFrames);
  if (body.dataset.status === "queued" || body.dataset.status === "running") {
    setInterval(() => followJob(body.dataset.jobId), POLL_MS);
  }
}

// The report's curve viewer (/static/viewer.js) under the video, with the data of /api/.../viewer.json.
async function mountCurves(container, video) {
  try {
    if (!window.GaitcheckViewer) throw new Error("The curve viewer did not load; reload the page.");
    const data = await api("GET", container.dataset.viewerUrl);
    window.gaitcheckViewer = window.GaitcheckViewer.mount(container, video, data);
  } catch (problem) {
    container.replaceChildren(element("p", "error", "The curves could not be drawn: " + problem.message));
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

// --- checking the key frames by hand -----------------------------------------------------------
// Each graded repetition or step's key frame with its hip, knee and ankle points (and the other
// hip) drawn over the picture; dragging a point asks the server for FPPA, hip adduction and the
// grade (gaitcheck's own functions), Save stores the points with the job, Undo removes them.
const SVG_NS = "http://www.w3.org/2000/svg";
const POINT_NAMES = ["hip", "knee", "ankle", "other_hip"];
const POINT_LABELS = { hip: "hip", knee: "knee", ankle: "ankle", other_hip: "other hip" };

async function startKeyFrames(section) {
  const list = document.getElementById("keyframe-list");
  try {
    const data = await api("GET", section.dataset.url);
    list.replaceChildren();
    if (!data.keyframes.length) {
      list.append(element("p", "note", "No repetition or step was graded in this clip: there is no key frame to check."));
    }
    for (const frame of data.keyframes) list.append(new KeyFrameCard(frame, data.verdict_labels, section.dataset.url).card);
  } catch (problem) {
    list.replaceChildren(element("p", "error", "The key frames could not be loaded: " + problem.message));
  }
}

function svgNode(tag, attributes, parent) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  parent.append(node);
  return node;
}

function degrees(value) {
  if (value === null || value === undefined) return "–";
  const text = (value > 0 ? "+" : "") + value.toFixed(1) + "°";
  return text.replace("-", "−");
}

function copyPoints(points) {
  return Object.fromEntries(POINT_NAMES.map((name) => [name, [points[name][0], points[name][1]]]));
}

class KeyFrameCard {
  constructor(frame, labels, baseUrl) {
    this.frame = frame;
    this.labels = labels;
    this.url = baseUrl + "/" + frame.key;
    this.saved = frame.hand_adjusted;
    this.points = copyPoints(this.saved ? this.saved.points_px : frame.points_px);
    this.busy = false;
    this.again = false;
    this.build();
    this.buildOverlay();
    this.place();
    this.show(this.saved, this.saved ? "saved" : "automatic");
  }

  build() {
    const frame = this.frame;
    const what = frame.event === "rep" ? "repetition " + frame.number : "step " + frame.number;
    this.card = element("article", "kf kf-" + frame.leg);
    this.card.dataset.key = frame.key;
    const title = element("h3", "", frame.leg.charAt(0).toUpperCase() + frame.leg.slice(1) + " leg, " + what);
    title.append(element("span", "kf-when", frame.time_s.toFixed(2) + " s · frame " + frame.frame));
    const figure = element("div", "kf-figure");
    const image = element("img");
    image.alt = "Key frame of the " + frame.leg + " leg, " + what;
    image.src = withToken(frame.image_url);
    const [x, y, width, height] = frame.crop_px;
    image.width = width;
    image.height = height;
    this.svg = document.createElementNS(SVG_NS, "svg");
    this.svg.setAttribute("viewBox", x + " " + y + " " + width + " " + height);
    this.svg.setAttribute("class", "kf-overlay");
    figure.append(image, this.svg);
    this.card.append(title, figure, this.buildValues(), this.buildActions());
  }

  buildValues() {
    const values = element("dl", "kf-values");
    const row = (label) => {
      const wrap = element("div");
      const value = element("dd");
      wrap.append(element("dt", "", label), value);
      values.append(wrap);
      return value;
    };
    this.handValue = row("By hand");
    this.autoValue = row("Automatic");
    this.autoValue.append(this.valueLine(this.frame.automatic));
    return values;
  }

  valueLine(values) {
    const line = element("span", "kf-line");
    line.append(element("b", "kf-fppa", "FPPA " + degrees(values.fppa_deg)));
    if (values.fppa_deg_picture !== null && values.fppa_deg_picture !== undefined) {
      const note = "(picture " + degrees(values.fppa_deg_picture) + ", allowing for the camera's angle)";
      line.append(element("span", "kf-picture", note));
    }
    line.append(element("span", "badge " + values.verdict, this.labels[values.verdict] || values.verdict));
    line.append(element("span", "kf-adduction", "hip adduction " + degrees(values.hip_adduction_deg)));
    return line;
  }

  buildActions() {
    const actions = element("div", "kf-actions");
    this.state = element("span", "kf-state");
    this.saveButton = element("button", "kf-save", "Save");
    this.undoButton = element("button", "secondary kf-undo", "Undo");
    this.saveButton.type = this.undoButton.type = "button";
    this.saveButton.addEventListener("click", () => this.save());
    this.undoButton.addEventListener("click", () => this.undo());
    actions.append(this.saveButton, this.undoButton, this.state);
    return actions;
  }

  /* Lines hip-knee-ankle, the hip-ankle reference and the pelvis; a handle on every point. Built
     once (a drag keeps its pointer capture), moved by place(). */
  buildOverlay() {
    const size = Math.max(this.frame.crop_px[2], this.frame.crop_px[3]);
    const pairs = [["hip", "other_hip", "kf-pelvis"], ["hip", "ankle", "kf-reference"], ["hip", "knee", "kf-leg"], ["knee", "ankle", "kf-leg"]];
    this.lines = pairs.map(([a, b, kind]) => ({ a, b, node: svgNode("line", { class: "kf-bone " + kind }, this.svg) }));
    this.handles = POINT_NAMES.map((name) => {
      const group = svgNode("g", { class: "kf-point", "data-point": name }, this.svg);
      const circles = [svgNode("circle", { r: size * 0.045, class: "kf-hit" }, group), svgNode("circle", { r: size * 0.016, class: "kf-dot" }, group)];
      const title = document.createElementNS(SVG_NS, "title");
      title.textContent = "Drag the " + POINT_LABELS[name];
      group.append(title);
      group.addEventListener("pointerdown", (event) => this.grab(event, name, group));
      return { name, circles };
    });
  }

  place() {
    const p = this.points;
    for (const { a, b, node } of this.lines) {
      node.setAttribute("x1", p[a][0]);
      node.setAttribute("y1", p[a][1]);
      node.setAttribute("x2", p[b][0]);
      node.setAttribute("y2", p[b][1]);
    }
    for (const { name, circles } of this.handles) {
      for (const circle of circles) {
        circle.setAttribute("cx", p[name][0]);
        circle.setAttribute("cy", p[name][1]);
      }
    }
  }

  grab(event, name, group) {
    event.preventDefault();
    group.setPointerCapture(event.pointerId);
    const move = (e) => {
      const [x, y, width, height] = this.frame.crop_px;
      const matrix = this.svg.getScreenCTM().inverse();
      const at = new DOMPoint(e.clientX, e.clientY).matrixTransform(matrix);
      this.points[name] = [Math.min(x + width, Math.max(x, at.x)), Math.min(y + height, Math.max(y, at.y))];
      this.place();
      this.remeasure();
    };
    const stop = () => {
      group.removeEventListener("pointermove", move);
      group.removeEventListener("pointerup", stop);
      group.removeEventListener("pointercancel", stop);
    };
    group.addEventListener("pointermove", move);
    group.addEventListener("pointerup", stop);
    group.addEventListener("pointercancel", stop);
  }

  /* One request at a time; moves made meanwhile are measured once it returns. */
  async remeasure() {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    this.card.dataset.measuring = "true"; // until the last move is measured (tests wait for it)
    try {
      this.show(await api("POST", this.url + "/measure", { points_px: this.points }), "moved");
    } catch (problem) {
      this.state.textContent = problem.message;
    }
    this.busy = false;
    if (this.again) {
      this.again = false;
      this.remeasure();
    } else {
      delete this.card.dataset.measuring;
    }
  }

  show(values, state) {
    this.handValue.replaceChildren(values ? this.valueLine(values) : element("span", "kf-none", "not adjusted"));
    this.card.dataset.state = state;
    const texts = {
      automatic: "Automatic points.",
      moved: "Moved: not saved yet.",
      saved: this.saved ? "Adjusted by hand, saved " + this.saved.edited.replace("T", " ").replace("+00:00", " UTC") + "." : "",
    };
    this.state.textContent = texts[state];
    if (values && !values.regraded) this.state.textContent += " The grade rests on another measure and does not change.";
    this.undoButton.disabled = state === "automatic";
  }

  async save() {
    try {
      this.saved = await api("PUT", this.url, { points_px: this.points });
      this.show(this.saved, "saved");
    } catch (problem) {
      this.state.textContent = problem.message;
    }
  }

  async undo() {
    try {
      if (this.saved) await api("DELETE", this.url);
      this.saved = null;
      this.points = copyPoints(this.frame.points_px);
      this.place();
      this.show(null, "automatic");
    } catch (problem) {
      this.state.textContent = problem.message;
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const start = { upload: startUpload, job: startJob, login: startLogin }[document.body.dataset.page];
  if (start) start();
});
