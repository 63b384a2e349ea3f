/*
 * gaitcheck viewer: the angle curves of one analysed clip, drawn as SVG under its <video>.
 *
 *   GaitcheckViewer.mount(containerElement, videoElement, data) -> viewer
 *
 * `data` is gaitcheck.report.viewer.viewer_data(...) as JSON. The playhead follows the frame on
 * screen (requestVideoFrameCallback's mediaTime; timeupdate where that is missing); a click or drag
 * on the curves seeks, hovering reads the values at that time; legs and measures are checkboxes;
 * repetitions or steps are shaded and listed in a table whose rows jump to their key moment.
 * Plain JS, no dependencies, nothing fetched: report.html inlines this file, the web server serves it.
 */
(function (root) {
  "use strict";

  const SVG_NS = "http://www.w3.org/2000/svg";
  /* Chart geometry in CSS pixels: y labels on the left, a title line above each panel. */
  const LAYOUT = { left: 52, right: 14, top: 4, title: 22, plot: 112, gap: 14, axis: 30 };
  const RATES = [1, 0.5, 0.25];
  /* The smallest value range a panel shows, per unit. */
  const MIN_SPAN = { deg: 4, "shank lengths": 0.1, ratio: 0.1 };
  /* Seek a hair past a frame's time stamp so the decoder shows that frame, not the one before. */
  const SEEK_OFFSET_S = 0.001;
  /* Time stamps in a result folder are rounded to the millisecond: tolerate that when matching. */
  const MATCH_TOLERANCE_S = 0.0006;

  // ---------------------------------------------------------------------------------------------
  // small helpers
  // ---------------------------------------------------------------------------------------------
  function html(tag, attrs, parent, text) {
    const node = document.createElement(tag);
    /* style through the CSSOM: a page whose Content-Security-Policy forbids inline styles (the web
       front-end's) refuses a style attribute but not this */
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "style") node.style.cssText = value;
      else node.setAttribute(key, value);
    }
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function svg(tag, attrs, parent, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  /* A number for people, as the report writes it: '–' when missing, a real minus sign, ° glued on. */
  function fmt(value, digits, unit, signed) {
    if (value === null || value === undefined || !Number.isFinite(value)) return "–";
    let number = Math.abs(value) < 0.5 * Math.pow(10, -digits) ? 0 : value;
    let text = number.toFixed(digits);
    if (signed && number > 0) text = "+" + text;
    text = text.replace("-", "−");
    if (unit === "deg") return text + "°";
    if (unit === "s") return text + " s";
    return text;
  }

  /* Index of the last time stamp at or before t (0 before the first). */
  function floorIndex(times, t) {
    let lo = 0;
    let hi = times.length - 1;
    if (hi < 0 || t < times[0]) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /* Index of the time stamp nearest to t. */
  function nearestIndex(times, t) {
    const i = floorIndex(times, t);
    if (i + 1 < times.length && Math.abs(times[i + 1] - t) < Math.abs(times[i] - t)) return i + 1;
    return i;
  }

  /* About `count` round tick values between lo and hi (steps of 1, 2, 2.5 or 5 times a power of ten). */
  function ticks(lo, hi, count) {
    const raw = (hi - lo) / Math.max(1, count);
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    let digits = 0;
    while (digits < 4 && Math.abs(Math.round(step * Math.pow(10, digits)) - step * Math.pow(10, digits)) > 1e-6) digits++;
    return { values: out, digits };
  }

  /* A tick label: no trailing zeros (0.5 rather than 0.50), a real minus sign. */
  function tickLabel(value, digits) {
    const text = fmt(value, digits);
    return text.indexOf(".") < 0 ? text : text.replace(/\.?0+$/, "");
  }

  /* Signed values read better for angles that have a direction (+ valgus, + adduction); flexion has none. */
  function signedMeasure(measure) {
    return measure.key.indexOf("flexion") < 0 && measure.unit !== "ratio";
  }

  // ---------------------------------------------------------------------------------------------
  // the viewer
  // ---------------------------------------------------------------------------------------------
  class Viewer {
    constructor(container, video, data) {
      if (!data || data.version !== 1) throw new Error("gaitcheck viewer: unknown data version");
      this.root = container;
      this.video = video;
      this.data = data;
      this.times = data.time_s;
      this.t0 = this.times.length ? this.times[0] : 0;
      this.t1 = this.times.length > 1 ? this.times[this.times.length - 1] : this.t0 + 1;
      this.factor = data.slow_motion_factor || 1;
      this.frame = 0;
      this.hoverIndex = null;
      this.dragging = false;
      this.shownLegs = new Set(data.legs.map((leg) => leg.key));
      this.shownMeasures = new Set(data.measures.filter((m) => m.shown).map((m) => m.key));
      if (!this.shownMeasures.size && data.measures.length) this.shownMeasures.add(data.measures[0].key);
      this.cleanups = [];
      this.build();
      this.render();
      this.follow();
      this.showFrame(this.frameAtTime(this.timeOfMedia(video.currentTime || 0)));
    }

    // --- time: the table's clock (real seconds) and the video's (media seconds) -----------------
    mediaOfTime(t) {
      return t * this.factor;
    }

    timeOfMedia(m) {
      return m / this.factor;
    }

    frameAtTime(t) {
      return floorIndex(this.times, t + MATCH_TOLERANCE_S);
    }

    /* Show frame i: the playhead moves at once, the video follows when it has decoded it. */
    seekFrame(i) {
      const index = Math.max(0, Math.min(this.times.length - 1, i));
      this.video.currentTime = this.mediaOfTime(this.times[index]) + SEEK_OFFSET_S;
      this.showFrame(index);
    }

    seekTime(t) {
      this.seekFrame(nearestIndex(this.times, t));
    }

    step(frames) {
      this.video.pause();
      this.seekFrame(this.frameAtTime(this.timeOfMedia(this.video.currentTime)) + frames);
    }

    listen(target, type, handler, options) {
      target.addEventListener(type, handler, options);
      this.cleanups.push(() => target.removeEventListener(type, handler, options));
    }

    // --- the page around the chart ----------------------------------------------------------------
    build() {
      const root = this.root;
      const colours = this.data.colours;
      root.replaceChildren();
      root.classList.add("gv");
      root.style.setProperty("--gv-left", colours.leg.left);
      root.style.setProperty("--gv-right", colours.leg.right);
      root.style.setProperty("--gv-ink", colours.ink);
      root.style.setProperty("--gv-muted", colours.muted);
      root.style.setProperty("--gv-rule", colours.rule);
      this.buildBar();
      this.buildToggles();
      this.readout = html("div", { class: "gv-readout" }, root);
      this.chart = html("div", { class: "gv-chart" }, root);
      this.svg = svg("svg", { class: "gv-svg", tabindex: "0", "aria-label": "Angle curves over the clip: arrow keys step frames, space plays" }, this.chart);
      this.listen(this.svg, "keydown", (e) => {
        const steps = { ArrowLeft: -1, ArrowRight: 1 }[e.key];
        if (steps) this.step(e.shiftKey ? steps * 10 : steps);
        else if (e.key === " ") this.video.paused ? this.video.play() : this.video.pause();
        else return;
        e.preventDefault();
      });
      this.buildLegend();
      this.buildTable();
      if ("ResizeObserver" in window) {
        let width = 0;
        this.resizer = new ResizeObserver(() => {
          if (this.chart.clientWidth !== width) {
            width = this.chart.clientWidth;
            this.render();
          }
        });
        this.resizer.observe(this.chart);
        this.cleanups.push(() => this.resizer.disconnect());
      }
    }

    buildBar() {
      const bar = html("div", { class: "gv-bar" }, this.root);
      const buttons = html("div", { class: "gv-buttons" }, bar);
      const back = html("button", { type: "button", class: "gv-step", "data-step": "-1", title: "One frame back" }, buttons, "◀ 1 frame");
      this.playButton = html("button", { type: "button", class: "gv-play" }, buttons, "Play");
      const next = html("button", { type: "button", class: "gv-step", "data-step": "1", title: "One frame on" }, buttons, "1 frame ▶");
      this.listen(back, "click", () => this.step(-1));
      this.listen(next, "click", () => this.step(1));
      this.listen(this.playButton, "click", () => (this.video.paused ? this.video.play() : this.video.pause()));
      const rates = html("div", { class: "gv-rates", role: "group", "aria-label": "Playback speed" }, bar);
      html("span", { class: "gv-label" }, rates, "Speed");
      this.rateButtons = RATES.map((rate) => {
        const button = html("button", { type: "button", "data-rate": String(rate) }, rates, `${rate}×`);
        this.listen(button, "click", () => {
          this.video.playbackRate = rate;
          this.syncButtons(); // at once: "ratechange" arrives later, as a task of its own
        });
        return button;
      });
      this.clock = html("div", { class: "gv-clock" }, bar);
      const sync = () => this.syncButtons();
      for (const type of ["play", "pause", "ratechange", "ended"]) this.listen(this.video, type, sync);
      this.syncButtons();
    }

    syncButtons() {
      this.playButton.textContent = this.video.paused ? "Play" : "Pause";
      for (const button of this.rateButtons) {
        button.setAttribute("aria-pressed", String(Number(button.dataset.rate) === this.video.playbackRate));
      }
    }

    buildToggles() {
      const box = html("div", { class: "gv-toggles" }, this.root);
      const legs = html("fieldset", { class: "gv-legs" }, box);
      html("legend", {}, legs, "Legs");
      for (const leg of this.data.legs) {
        const label = html("label", { class: `gv-check gv-${leg.key}` }, legs);
        const input = html("input", { type: "checkbox", "data-leg": leg.key }, label);
        input.checked = true;
        html("span", { class: "gv-line", style: `background:${this.data.colours.leg[leg.key]}` }, label);
        label.appendChild(document.createTextNode(leg.label));
        this.listen(input, "change", () => {
          if (input.checked) this.shownLegs.add(leg.key);
          else this.shownLegs.delete(leg.key);
          this.root.classList.toggle(`gv-hide-${leg.key}`, !input.checked);
          this.updateReadout();
        });
      }
      const measures = html("fieldset", { class: "gv-measures" }, box);
      html("legend", {}, measures, "Curves");
      for (const measure of this.data.measures) {
        const label = html("label", { class: "gv-check" }, measures);
        const input = html("input", { type: "checkbox", "data-measure": measure.key }, label);
        input.checked = this.shownMeasures.has(measure.key);
        label.appendChild(document.createTextNode(measure.label));
        this.listen(input, "change", () => {
          if (input.checked) this.shownMeasures.add(measure.key);
          else this.shownMeasures.delete(measure.key);
          this.render();
        });
      }
    }

    buildLegend() {
      const data = this.data;
      const legend = html("div", { class: "gv-legend" }, this.root);
      const item = (style, text, kind) => {
        const span = html("span", { class: "gv-key" }, legend);
        html("span", { class: `gv-swatch ${kind || ""}`, style }, span);
        span.appendChild(document.createTextNode(text));
      };
      const used = new Set(data.spans.map((s) => s.leg));
      const event = data.event === "step" ? "stance" : "rep";
      for (const leg of ["left", "right", "both"]) {
        if (used.has(leg)) item(`background:${data.colours.tint[leg]}`, leg === "both" ? `${event}, both legs` : `${event}, ${leg} leg`);
      }
      const banded = data.measures.find((m) => m.bands && this.shownMeasures.has(m.key)) || data.measures.find((m) => m.bands);
      if (banded) {
        const [low, high] = banded.bands.borderline;
        const unit = banded.unit === "deg" ? "°" : "";
        item(`background:${data.colours.band_borderline}`, `borderline ${fmt(low, 1)}–${fmt(high, 1)}${unit}`);
        item(`background:${data.colours.band_valgus}`, `valgus ≥ ${fmt(high, 1)}${unit}`);
      }
      if (data.events.length) item(`background:${data.colours.muted}`, `measured at the ${data.key_moment}`, "gv-dot");
      item(`background:${data.colours.ink}`, "playhead (click or drag to seek)", "gv-bar-swatch");
    }

    buildTable() {
      const data = this.data;
      this.rows = [];
      if (!data.events.length) {
        html("p", { class: "gv-empty" }, this.root, `No ${data.event_label}s were found in this clip.`);
        return;
      }
      const wrap = html("div", { class: "gv-tablewrap" }, this.root);
      const table = html("table", { class: "gv-events" }, wrap);
      html("caption", {}, table, `Click a row to jump to that ${data.event_label}'s ${data.key_moment}.`);
      const head = html("tr", {}, html("thead", {}, table));
      const moment = data.key_moment.charAt(0).toUpperCase() + data.key_moment.slice(1);
      // no graded value or grade columns where nothing was graded (a side view): a column of dashes
      const graded = data.events.some((event) => event.verdict !== "insufficient-data");
      for (const title of ["#", "Leg", moment, ...(graded ? [data.graded_label, "Grade"] : [])]) html("th", {}, head, title);
      const body = html("tbody", {}, table);
      const digits = data.graded_unit === "deg" ? 1 : 2;
      for (const event of data.events) {
        const row = html("tr", { tabindex: "0", class: `gv-row gv-${event.leg}${event.primary ? "" : " gv-muted"}` }, body);
        row.dataset.keyS = String(event.key_s);
        html("td", { class: "gv-num" }, row, String(event.number));
        const leg = html("td", { class: "gv-leg" }, row);
        html("span", { class: "gv-legdot", style: `background:${data.colours.leg[event.leg]}` }, leg);
        leg.appendChild(document.createTextNode(event.leg));
        html("td", { class: "gv-num" }, row, fmt(event.key_s, 2, "s"));
        if (graded) {
          html("td", { class: "gv-num" }, row, fmt(event.graded_value, digits, data.graded_unit, true));
          const grade = html("td", {}, row);
          html("span", { class: "gv-badge", style: `background:${data.colours.verdict[event.verdict] || data.colours.muted}` }, grade, event.verdict_label);
        }
        const jump = () => {
          this.video.pause();
          this.seekTime(event.key_s);
        };
        this.listen(row, "click", jump);
        this.listen(row, "keydown", (e) => {
          if (e.key === "Enter" || e.key === " ") {
            e.preventDefault();
            jump();
          }
        });
        this.rows.push({ row, event });
      }
    }

    // --- the chart ---------------------------------------------------------------------------------
    render() {
      const measures = this.data.measures.filter((m) => this.shownMeasures.has(m.key));
      const width = Math.max(320, Math.round(this.chart.clientWidth || 720));
      const L = LAYOUT;
      const height = L.top + Math.max(1, measures.length) * (L.title + L.plot + L.gap) + L.axis - L.gap;
      this.width = width;
      this.plotWidth = width - L.left - L.right;
      this.svg.replaceChildren();
      this.svg.setAttribute("width", String(width));
      this.svg.setAttribute("height", String(height));
      this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
      if (!measures.length) {
        svg("text", { x: L.left, y: L.top + L.title + 30, class: "gv-note" }, this.svg, "Tick a curve above to draw it.");
      }
      this.plots = measures.map((measure, i) => this.drawPanel(measure, L.top + i * (L.title + L.plot + L.gap)));
      const bottom = height - L.axis;
      this.drawTimeAxis(bottom);
      this.drawOverlay(bottom);
      this.showFrame(this.frame);
    }

    x(t) {
      return LAYOUT.left + ((t - this.t0) / (this.t1 - this.t0)) * this.plotWidth;
    }

    drawPanel(measure, top) {
      const L = LAYOUT;
      const colours = this.data.colours;
      const y0 = top + L.title;
      const y1 = y0 + L.plot;
      const right = this.width - L.right;
      const g = svg("g", { class: "gv-panel", "data-measure": measure.key }, this.svg);
      // title: the measure in bold, its unit and sign convention to the right
      const title = svg("text", { x: L.left, y: top + 15, class: "gv-title" }, g, measure.label);
      if (measure.unit && measure.unit !== "deg") svg("tspan", { class: "gv-unit" }, title, `  ${measure.unit}`);
      const note = svg("text", { x: right, y: top + 15, class: "gv-sign", "text-anchor": "end" }, g, measure.note);
      if (title.getComputedTextLength() + note.getComputedTextLength() + 16 > this.plotWidth) {
        note.remove(); // a narrow screen: the sign convention moves to the title's tooltip
        svg("title", {}, title, measure.note);
      }
      // value range over both legs (stable when a leg is hidden), zero included, bands on top
      let lo = 0;
      let hi = 0;
      for (const values of Object.values(measure.series)) {
        for (const v of values) {
          if (v === null) continue;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      if (measure.bands) hi = Math.max(hi, measure.bands.valgus[1]);
      // a floor on the span, so a fraction of a degree of noise does not fill the panel
      const floor = MIN_SPAN[measure.unit] || 0;
      if (hi - lo < floor) {
        const grow = (floor - (hi - lo)) / 2;
        lo -= grow;
        hi += grow;
      }
      const pad = (hi - lo) * 0.06 || 1;
      lo -= pad;
      hi += measure.bands ? 0 : pad;
      const y = (v) => y1 - ((Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo)) * L.plot;
      svg("rect", { x: L.left, y: y0, width: this.plotWidth, height: L.plot, class: "gv-plotbg" }, g);
      for (const span of this.data.spans) {
        const a = Math.max(L.left, this.x(span.start_s));
        const b = Math.min(right, this.x(span.end_s));
        if (b <= a) continue;
        const opacity = this.data.event === "step" ? 0.7 : 1;
        svg("rect", { x: a, y: y0, width: b - a, height: L.plot, fill: colours.tint[span.leg] || colours.tint.both, "fill-opacity": opacity, class: "gv-span" }, g);
      }
      if (measure.bands) {
        const band = (range, fill, kind) =>
          svg("rect", { x: L.left, y: y(range[1]), width: this.plotWidth, height: Math.max(0, y(range[0]) - y(range[1])), fill, class: `gv-band ${kind}` }, g);
        band(measure.bands.borderline, colours.band_borderline, "gv-borderline");
        band(measure.bands.valgus, colours.band_valgus, "gv-valgus");
      }
      const scale = ticks(lo, hi, 4);
      for (const v of scale.values) {
        svg("line", { x1: L.left, x2: right, y1: y(v), y2: y(v), class: v === 0 ? "gv-zero" : "gv-grid" }, g);
        const unit = measure.unit === "deg" ? "°" : "";
        svg("text", { x: L.left - 6, y: y(v) + 3.5, class: "gv-tick", "text-anchor": "end" }, g, tickLabel(v, scale.digits) + unit);
      }
      for (const t of this.timeTicks().values) svg("line", { x1: this.x(t), x2: this.x(t), y1: y0, y2: y1, class: "gv-grid" }, g);
      svg("line", { x1: L.left, x2: L.left, y1: y0, y2: y1, class: "gv-axis" }, g);
      svg("line", { x1: L.left, x2: right, y1: y1, y2: y1, class: "gv-axis" }, g);
      for (const [key, values] of Object.entries(measure.series)) this.drawCurve(g, measure, key, values, y);
      return { y0, y1 };
    }

    drawCurve(g, measure, leg, values, y) {
      let d = "";
      let pen = false;
      for (let i = 0; i < values.length; i++) {
        if (values[i] === null) {
          pen = false;
          continue;
        }
        d += `${pen ? "L" : "M"}${this.x(this.times[i]).toFixed(1)} ${y(values[i]).toFixed(1)}`;
        pen = true;
      }
      const colour = this.data.colours.leg[leg] || this.data.colours.ink;
      svg("path", { d, class: "gv-curve", stroke: colour, "data-leg": leg, "data-measure": measure.key }, g);
      if (leg === "both") return;
      // a dot where each of this leg's repetitions or steps was measured (as in the static figures)
      for (const event of this.data.events) {
        if (event.leg !== leg || !event.primary || event.key_s === null) continue;
        // read at the key moment, or just before it where the thigh pointed at the camera (plots.read_row)
        let i = nearestIndex(this.times, event.key_s);
        const first = event.kind !== "rep" || event.start_s === null ? i : nearestIndex(this.times, event.start_s);
        while (i > first && values[i] === null) i--;
        if (values[i] === null) continue;
        svg("circle", { cx: this.x(this.times[i]), cy: y(values[i]), r: 3.6, fill: colour, class: "gv-marker", "data-leg": leg }, g);
      }
    }

    timeTicks() {
      return ticks(this.t0, this.t1, Math.max(2, Math.min(12, Math.floor(this.plotWidth / 70))));
    }

    drawTimeAxis(bottom) {
      const scale = this.timeTicks();
      const g = svg("g", { class: "gv-timeaxis" }, this.svg);
      for (const t of scale.values) {
        svg("line", { x1: this.x(t), x2: this.x(t), y1: bottom, y2: bottom + 4, class: "gv-axis" }, g);
        svg("text", { x: this.x(t), y: bottom + 16, class: "gv-tick", "text-anchor": "middle" }, g, tickLabel(t, scale.digits));
      }
      svg("text", { x: this.width - LAYOUT.right, y: bottom + 28, class: "gv-tick", "text-anchor": "end" }, g, "time (s)");
    }

    /* The hover line, the playhead (a line and a handle in each panel, clear of the titles) and a
       transparent layer that takes the pointer. */
    drawOverlay(bottom) {
      const L = LAYOUT;
      this.hoverLines = this.plots.map(({ y0, y1 }) => svg("line", { y1: y0, y2: y1, class: "gv-hover", visibility: "hidden" }, this.svg));
      this.playhead = svg("g", { class: "gv-playhead" }, this.svg);
      this.playheadParts = this.plots.map(({ y0, y1 }) => ({
        y0,
        line: svg("line", { y1: y0, y2: y1, x1: L.left, x2: L.left }, this.playhead),
        handle: svg("path", { d: "" }, this.playhead),
      }));
      const layer = svg("rect", { x: L.left, y: 0, width: this.plotWidth, height: bottom, class: "gv-input" }, this.svg);
      const timeAt = (e) => {
        const box = this.svg.getBoundingClientRect();
        const px = e.clientX - box.left;
        return this.t0 + ((px - L.left) / this.plotWidth) * (this.t1 - this.t0);
      };
      layer.addEventListener("pointerdown", (e) => {
        e.preventDefault();
        layer.setPointerCapture(e.pointerId);
        this.dragging = true;
        this.video.pause();
        this.seekTime(timeAt(e));
      });
      layer.addEventListener("pointermove", (e) => {
        const t = timeAt(e);
        this.hover(nearestIndex(this.times, t));
        if (this.dragging) this.seekTime(t);
      });
      const stop = () => (this.dragging = false);
      layer.addEventListener("pointerup", stop);
      layer.addEventListener("pointercancel", stop);
      layer.addEventListener("pointerleave", () => this.hover(null));
    }

    hover(index) {
      this.hoverIndex = index;
      for (const line of this.hoverLines) {
        if (index === null) {
          line.setAttribute("visibility", "hidden");
          continue;
        }
        const x = this.x(this.times[index]);
        line.setAttribute("x1", x);
        line.setAttribute("x2", x);
        line.setAttribute("visibility", "visible");
      }
      this.updateReadout();
    }

    // --- following the video -----------------------------------------------------------------------
    follow() {
      const video = this.video;
      const onMediaTime = (m) => this.showFrame(this.frameAtTime(this.timeOfMedia(m)));
      if (typeof video.requestVideoFrameCallback === "function") {
        const tick = (now, metadata) => {
          onMediaTime(metadata.mediaTime);
          this.frameRequest = video.requestVideoFrameCallback(tick);
        };
        this.frameRequest = video.requestVideoFrameCallback(tick);
        this.cleanups.push(() => video.cancelVideoFrameCallback(this.frameRequest));
      } else {
        this.listen(video, "timeupdate", () => onMediaTime(video.currentTime));
      }
      // a seek while paused: show where it landed even if no new frame is presented
      this.listen(video, "seeked", () => onMediaTime(video.currentTime));
    }

    showFrame(index) {
      this.frame = index;
      if (!this.times.length) return;
      const t = this.times[index];
      if (this.playhead) {
        const x = this.x(t);
        this.playhead.setAttribute("data-time", String(t));
        for (const { y0, line, handle } of this.playheadParts) {
          line.setAttribute("x1", x.toFixed(1));
          line.setAttribute("x2", x.toFixed(1));
          handle.setAttribute("d", `M${(x - 5).toFixed(1)} ${y0}h10l-5 6z`);
        }
      }
      const last = this.data.frame[this.data.frame.length - 1];
      this.clock.replaceChildren();
      html("b", {}, this.clock, fmt(t, 3, "s"));
      this.clock.appendChild(document.createTextNode(` · frame ${this.data.frame[index]} of ${last}`));
      for (const { row, event } of this.rows) {
        row.classList.toggle("gv-current", event.start_s !== null && t >= event.start_s && t <= event.end_s);
      }
      if (this.hoverIndex === null) this.updateReadout();
    }

    /* The values at the hovered time, or at the playhead: time, frame, each visible curve. */
    updateReadout() {
      if (!this.readout || !this.times.length) return;
      const index = this.hoverIndex === null ? this.frame : this.hoverIndex;
      this.readout.replaceChildren();
      const when = html("span", { class: "gv-when" }, this.readout);
      when.textContent = `${this.hoverIndex === null ? "At the playhead" : "Under the pointer"}: ${fmt(this.times[index], 3, "s")}, frame ${this.data.frame[index]}`;
      for (const measure of this.data.measures) {
        if (!this.shownMeasures.has(measure.key)) continue;
        const chip = html("span", { class: "gv-chip" }, this.readout);
        html("span", { class: "gv-chip-label" }, chip, measure.label);
        for (const [leg, values] of Object.entries(measure.series)) {
          if (leg !== "both" && !this.shownLegs.has(leg)) continue;
          const text = fmt(values[index], measure.digits, measure.unit, signedMeasure(measure));
          const value = html("span", { class: "gv-value", style: `color:${this.data.colours.leg[leg]}` }, chip, text);
          if (leg !== "both") value.setAttribute("title", `${leg} leg`);
        }
      }
    }

    destroy() {
      for (const undo of this.cleanups.splice(0)) undo();
      this.root.replaceChildren();
      this.root.classList.remove("gv");
    }
  }

  root.GaitcheckViewer = {
    /* Draw the curves of `data` into `container` and tie them to `video`; returns the viewer. */
    mount(container, video, data) {
      return new Viewer(container, video, data);
    },
  };
})(typeof window !== "undefined" ? window : this);
