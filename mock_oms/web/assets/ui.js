/* The mock-oms dashboard: plain JavaScript, no library, no build step.

   Everything it shows comes from the control API, through the routes a user calls
   (docs/control-api.md); it short-polls them, and not while the tab is hidden. With
   --control-token it asks for the token once and keeps it for this tab only
   (sessionStorage), sent as "Authorization: Bearer" on every call. Values reach the page
   as text (textContent), never as HTML. */
"use strict";
(() => {
  const TOKEN_KEY = "mock-oms.control-token";
  const PAGE_SIZE = 50; // projects a page of the table shows
  const TAIL = 100; // requests the tail shows
  const TICKS = 5000; // polls the timeline keeps
  const SVG = "http://www.w3.org/2000/svg";

  const $ = (id) => document.getElementById(id);
  const s = {
    token: sessionStorage.getItem(TOKEN_KEY),
    asking: false,
    busy: false,
    again: false,
    timer: null,
    clock: null,
    lastSpeed: 1,
    flags: new Map(), // scenario name -> its enable flags
    cursor: null, // of the projects page shown (null: the first)
    next: null,
    projects: [],
    rows: new Map(), // project ID -> its row
    selected: null,
    tail: [],
    tailAfter: null,
    tailFilter: "",
    ticks: [],
    ticksAfter: null,
    ticksFor: null,
    received: null, // OMS requests the journal counts (the tail's total)
    coverage: { scope: null, received: null, at: 0, since: null, off: false, force: false, seq: 0 },
  };
  const COVERAGE_EVERY = 5000; // ms: the report costs the server more than a plain call

  // -- calls ------------------------------------------------------------------------------

  class Refused extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (s.token) headers.Authorization = `Bearer ${s.token}`;
    const init = { method, headers, cache: "no-store" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { message: text.slice(0, 200) };
    }
    if (response.status === 401) {
      askToken(s.token ? "That token was refused." : null);
      throw new Refused(401, data);
    }
    if (!response.ok) throw new Refused(response.status, data);
    return { data, response };
  }

  const enc = encodeURIComponent;

  function askToken(problem) {
    if (s.token) sessionStorage.removeItem(TOKEN_KEY);
    s.token = null;
    s.asking = true;
    $("token-problem").hidden = !problem;
    $("token-problem").textContent = problem || "";
    $("token-form").hidden = false;
    $("token").focus();
  }

  function show(text, error = false) {
    const box = $("message");
    box.textContent = text;
    box.className = error ? "message error" : "message";
    box.hidden = false;
    clearTimeout(show.timer);
    show.timer = setTimeout(() => (box.hidden = true), 8000);
  }

  function failed(error) {
    if (error instanceof Refused && error.status === 401) return;
    show(String(error.message || error), true);
  }

  // -- elements ---------------------------------------------------------------------------

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const c of children) node.append(c instanceof Node ? c : String(c));
    return node;
  }

  function svg(tag, attrs = {}, title = null) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (title !== null) {
      const t = document.createElementNS(SVG, "title");
      t.textContent = title;
      node.append(t);
    }
    return node;
  }

  const badge = (text, cls) => el("span", { class: `badge ${cls}` }, text);
  const secs = (n) => (n === null || n === undefined ? "–" : `${Number(n).toFixed(1)}`);

  function bar(value, name, enabled) {
    if (!enabled) return [el("span", { class: "muted" }, "–")];
    return [
      el("progress", { class: name, max: "100", value: String(value) }),
      el("span", { class: "pct" }, `${value}%`),
    ];
  }

  function lag(p) {
    const now = s.clock ? s.clock.unixNow : null;
    const parts = [];
    if (p.incrSyncCheckpoint > 0 && now !== null)
      parts.push(`${Math.max(0, Math.round(now - p.incrSyncCheckpoint))} s`);
    if (p.reverseIncrSyncCheckpoint > 0 && now !== null)
      parts.push(`reverse ${Math.max(0, Math.round(now - p.reverseIncrSyncCheckpoint))} s`);
    return parts.length ? parts.join(", ") : "–";
  }

  function lastPoll(p) {
    if (!p.lastPoll) return "never";
    const ago = s.clock ? s.clock.now - p.lastPoll.scenarioTime : 0;
    return `${secs(ago)} s ago`;
  }

  function steps(list) {
    const strip = el("span", { class: "steps" });
    for (const step of list || []) {
      const cell = el("span", {
        class: `st-${step.status}`,
        title: `${step.order}. ${step.name}: ${step.status} ${step.progress}%`,
        "data-step": step.name,
      });
      strip.append(cell);
    }
    return strip;
  }

  // -- the projects table -----------------------------------------------------------------

  async function loadScenarios() {
    const { data } = await call("GET", "/_mock/scenarios");
    const select = $("create-scenario");
    const chosen = select.value;
    select.replaceChildren(...data.map((sc) => el("option", { value: sc.name }, sc.name)));
    if (chosen) select.value = chosen;
    s.flags = new Map(data.map((sc) => [sc.name, sc.flags]));
  }

  async function refreshProjects() {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE), steps: "true" });
    if (s.cursor) q.set("cursor", s.cursor);
    const { data, response } = await call("GET", `/_mock/projects?${q}`);
    const link = response.headers.get("link") || "";
    const found = /[?&]cursor=(\d+)/.exec(link);
    s.next = found ? found[1] : null;
    s.projects = data;
    const total = Number(response.headers.get("x-total-count") || data.length);
    $("project-count").textContent = `${total} started`;
    renderProjects();
  }

  function renderProjects() {
    const body = $("projects").tBodies[0];
    const seen = new Set();
    for (const p of s.projects) {
      seen.add(p.projectId);
      let row = s.rows.get(p.projectId);
      if (!row) {
        row = el("tr", { "data-project": p.projectId });
        for (let i = 0; i < 10; i++) row.append(el("td"));
        row.addEventListener("click", () => select(p.projectId));
        s.rows.set(p.projectId, row);
      }
      fill(row, p);
      body.append(row); // in the listing's order
    }
    for (const [id, row] of s.rows) {
      if (!seen.has(id)) {
        row.remove();
        s.rows.delete(id);
      }
    }
    $("no-projects").hidden = s.projects.length > 0;
    $("next-page").hidden = s.next === null;
    $("first-page").hidden = s.cursor === null;
    renderFilter();
  }

  function fill(row, p) {
    const flags = s.flags.get(p.scenario) || { struct: true, full: true };
    const cells = row.cells;
    row.classList.toggle("selected", p.projectId === s.selected);
    row.dataset.status = p.status;
    cells[0].replaceChildren(el("b", {}, p.projectId), el("div", { class: "muted" }, p.scenario));
    cells[1].replaceChildren(badge(p.status, `st-${p.status} status`));
    cells[2].replaceChildren(p.currentStep);
    cells[3].replaceChildren(...bar(p.structMigrationProgress, "structure", flags.struct));
    cells[4].replaceChildren(...bar(p.fullMigrationProgress, "full", flags.full));
    cells[5].replaceChildren(lag(p));
    cells[6].replaceChildren(badge(p.importance, `imp-${p.importance}`));
    cells[7].replaceChildren(String(p.polls));
    cells[7].className = "polls";
    cells[8].replaceChildren(lastPoll(p));
    cells[9].replaceChildren(steps(p.steps));
  }

  function renderFilter() {
    const select = $("request-filter");
    const ids = new Set(s.projects.map((p) => p.projectId));
    if (select.value) ids.add(select.value);
    const have = [...select.options].slice(1).map((o) => o.value);
    const want = [...ids];
    if (have.join("\n") === want.join("\n")) return;
    const chosen = select.value;
    select.replaceChildren(
      el("option", { value: "" }, "all"),
      ...want.map((id) => el("option", { value: id }, id)),
    );
    select.value = chosen;
  }

  // -- the clock --------------------------------------------------------------------------

  async function refreshClock() {
    const { data } = await call("GET", "/_mock/clock");
    s.clock = data;
    if (data.speed > 0) s.lastSpeed = data.speed;
    $("clock-now").textContent = secs(data.now);
    $("clock-mode").textContent = `${data.mode}, speed ${data.speed}`;
    $("pause").textContent = data.speed > 0 ? "Pause" : "Play";
    if (document.activeElement !== $("speed")) $("speed").value = String(data.speed);
  }

  // -- one project ------------------------------------------------------------------------

  function select(id) {
    s.selected = id;
    for (const [rid, row] of s.rows) row.classList.toggle("selected", rid === id);
    $("detail").hidden = false;
    $("detail-id").textContent = id;
    $("actions").replaceChildren();
    $("actions").dataset.legal = "";
    $("timeline").replaceChildren();
    refreshNow();
  }

  async function refreshDetail() {
    const id = s.selected;
    const path = `/_mock/projects/${enc(id)}`;
    let line, polls, faults, project;
    try {
      [line, polls, faults] = await Promise.all([
        call("GET", `${path}/timeline`),
        call("GET", `${path}/polls`),
        call("GET", `${path}/faults`),
      ]);
      project = s.projects.find((p) => p.projectId === id);
      if (!project) project = (await call("GET", path)).data;
    } catch (error) {
      if (error instanceof Refused && error.status === 404 && id === s.selected) {
        $("detail-status").textContent = "not started";
        $("detail-status").className = "badge";
        $("actions").replaceChildren();
        $("actions").dataset.legal = "";
        $("timeline").replaceChildren(
          el("p", { class: "muted" }, "Not started: it starts at its next poll."),
        );
        return;
      }
      throw error;
    }
    await refreshTicks(id);
    if (id !== s.selected) return;
    renderDetail(project, line.data, polls.data, faults.data);
  }

  async function refreshTicks(id) {
    if (s.ticksFor !== id) {
      s.ticks = [];
      s.ticksAfter = null;
      s.ticksFor = id;
    }
    const q = new URLSearchParams({ project: id });
    if (s.ticksAfter !== null) q.set("after", String(s.ticksAfter));
    const { data } = await call("GET", `/_mock/requests?${q}`);
    if (s.ticksAfter !== null && data.total < s.ticksAfter) {
      s.ticksAfter = null; // the journal was emptied: read it again
      s.ticks = [];
      return refreshTicks(id);
    }
    s.ticks.push(...data.entries);
    if (s.ticks.length > TICKS) s.ticks.splice(0, s.ticks.length - TICKS);
    s.ticksAfter = data.total;
  }

  function renderDetail(project, line, polls, faults) {
    $("detail-status").textContent = project.status;
    $("detail-status").className = `badge st-${project.status}`;
    $("detail-scenario").textContent = `scenario ${project.scenario}, ${secs(line.scenarioTime)} s in`;
    const legal = project.legalActions.join(" ");
    const actions = $("actions");
    if (actions.dataset.legal !== legal) {
      actions.dataset.legal = legal;
      actions.replaceChildren(
        ...project.legalActions.map((a) => {
          const b = el("button", { type: "button", class: "action", "data-action": a }, a);
          b.addEventListener("click", () => act(project.projectId, a));
          return b;
        }),
      );
      if (!project.legalActions.length)
        actions.append(el("span", { class: "muted" }, "no action is legal now"));
    }
    $("active-faults").textContent = faults.length
      ? "injected: " +
        faults
          .map((f) => `${f.fault}${f.remaining === null ? "" : ` (${f.remaining} left)`}`)
          .join(", ")
      : "no fault injected";
    renderTimeline(line, polls);
  }

  // -- the timeline -----------------------------------------------------------------------

  function renderTimeline(line, polls) {
    const W = 1000;
    const H = 160;
    const L = 64;
    const R = W - 12;
    const now = line.scenarioTime;
    const ticks = s.ticks
      .map((e) => ({ ...e, at: e.scenarioTime - line.started }))
      .filter((e) => e.at >= -1e-6);
    let end = now;
    for (const sp of line.spans) end = Math.max(end, sp.end ?? sp.start);
    for (const t of ticks) end = Math.max(end, t.at);
    end = end * 1.06 + 1;
    const x = (t) => L + ((R - L) * Math.min(Math.max(t, 0), end)) / end;
    const root = svg("svg", {
      viewBox: `0 0 ${W} ${H}`,
      role: "img",
      "aria-label": `timeline of ${line.projectId}`,
    });
    for (const [label, y] of [
      ["phases", 34],
      ["polls", 78],
      ["seen", 104],
      ["actions", 122],
    ]) {
      const t = svg("text", { x: 4, y, class: "row-label" });
      t.textContent = label;
      root.append(t);
    }
    for (const sp of line.spans) {
      const phase = line.phases[sp.phase];
      const stop = sp.end ?? (sp.planned ? end : Math.max(now, sp.start));
      const name = phase.id || `#${phase.index}`;
      const about = `${name} ${phase.status} ${phase.currentStep}: ${secs(sp.start)}–${
        sp.end === null ? "…" : secs(sp.end)
      } s${sp.planned ? " (due)" : ""}${phase.note ? ` — ${phase.note}` : ""}`;
      const parts = sp.planned ? [[sp.start, stop, true]] : [[sp.start, Math.min(stop, now), false]];
      if (!sp.planned && stop > now) parts.push([now, stop, true]);
      for (const [a, b, faded] of parts) {
        if (b <= a) continue;
        root.append(
          svg(
            "rect",
            {
              x: x(a),
              y: 20,
              width: Math.max(1, x(b) - x(a)),
              height: 22,
              class: `band st-${phase.status}${faded ? " planned" : ""}`,
              "data-phase": phase.index,
            },
            about,
          ),
        );
      }
      const room = x(stop) - x(sp.start);
      const label = [`${name} ${phase.status}`, name].find((t) => t.length * 6.5 + 6 < room);
      if (label) {
        const t = svg("text", { x: x(sp.start) + 3, y: 14 });
        t.textContent = label;
        root.append(t);
      }
    }
    for (const e of ticks) {
      const shown = e.projectStatus;
      const cls = e.fault ? "tick fault" : shown ? `tick st-${shown}` : "tick other";
      const what = e.fault ? `fault ${e.fault}` : shown || e.code || "no status";
      root.append(
        svg(
          "line",
          { x1: x(e.at), x2: x(e.at), y1: 64, y2: 90, class: cls, "data-seq": e.seq },
          `poll #${e.seq} at ${secs(e.at)} s: HTTP ${e.httpStatus ?? "none"}, ${what}`,
        ),
      );
      if (e.fault) {
        const cx = x(e.at);
        root.append(svg("path", { d: `M${cx - 3},58 l6,6 m0,-6 l-6,6`, class: "tick fault" }));
      }
    }
    for (const run of polls.statuses || []) {
      const at = run.first.scenarioTime - line.started;
      if (at < -1e-6) continue;
      const cx = x(at);
      root.append(
        svg(
          "path",
          { d: `M${cx},96 l6,10 l-12,0 z`, class: `seen st-${run.status}` },
          `the client saw ${run.status} from ${secs(at)} s (${run.count} polls)`,
        ),
      );
    }
    for (const ev of line.events) {
      if (ev.source === "script") continue;
      const cx = x(ev.at);
      root.append(
        svg(
          "path",
          { d: `M${cx},112 l5,6 l-5,6 l-5,-6 z`, class: "act" },
          `${ev.action || ev.source} at ${secs(ev.at)} s: ${ev.from} → ${ev.to}`,
        ),
      );
    }
    root.append(svg("line", { x1: L, x2: R, y1: 134, y2: 134, class: "axis" }));
    const step = niceStep(end / 8);
    for (let t = 0; t <= end; t += step) {
      root.append(svg("line", { x1: x(t), x2: x(t), y1: 134, y2: 138, class: "axis" }));
      const label = svg("text", { x: x(t) - 6, y: 152 });
      label.textContent = `${t}`;
      root.append(label);
    }
    root.append(svg("line", { x1: x(now), x2: x(now), y1: 16, y2: 138, class: "now" }));
    const nowLabel = svg("text", { x: x(now) + 4, y: 60, class: "now-label" });
    nowLabel.textContent = `now ${secs(now)} s`;
    root.append(nowLabel);
    $("timeline").replaceChildren(root);
    $("timeline").dataset.polls = String(ticks.length);
  }

  function niceStep(raw) {
    const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
    for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
    return 10 * power;
  }

  // -- the request tail -------------------------------------------------------------------

  async function refreshTail() {
    const filter = $("request-filter").value;
    if (filter !== s.tailFilter) {
      s.tailFilter = filter;
      s.tail = [];
      s.tailAfter = null;
    }
    const q = new URLSearchParams();
    if (filter) {
      q.set("project", filter);
    } else if (s.tailAfter === null) {
      const { data } = await call("GET", "/_mock/requests?limit=0");
      s.tailAfter = Math.max(0, data.total - TAIL);
    }
    if (s.tailAfter !== null) q.set("after", String(s.tailAfter));
    if (s.tailAfter !== null) q.set("limit", String(TAIL));
    const { data } = await call("GET", `/_mock/requests?${q}`);
    if (s.tailAfter !== null && data.total < s.tailAfter) {
      s.tail = []; // the journal was emptied
      s.tailAfter = null;
      return;
    }
    s.tail.push(...data.entries);
    if (s.tail.length > TAIL) s.tail.splice(0, s.tail.length - TAIL);
    const full = data.entries.length === TAIL;
    const last = data.entries.length ? data.entries[data.entries.length - 1].seq : null;
    // behind by more than a page: skip to the newest next time (a tail, not a log)
    s.tailAfter = full && last !== null && data.total - last > TAIL ? data.total - TAIL : full ? last : data.total;
    s.received = data.received; // unlike total, not restarted by an emptying of the journal
    $("request-count").textContent = `${data.total} received, ${data.kept} kept`;
    renderTail();
  }

  function renderTail() {
    const rows = s.tail
      .slice()
      .reverse()
      .map((e) => {
        const tr = el("tr", { "data-seq": String(e.seq) });
        if (e.fault) tr.className = "faulted";
        tr.append(
          el("td", {}, e.seq),
          el("td", {}, secs(e.scenarioTime)),
          el("td", { title: e.path }, `${e.method} ${e.path}`),
          el("td", {}, e.projectId || "–"),
          el("td", {}, e.httpStatus ?? "none"),
          el("td", {}, e.projectStatus ? badge(e.projectStatus, `st-${e.projectStatus}`) : e.code || "–"),
          el("td", { class: e.fault ? "fault-cell" : "" }, e.fault || ""),
          el("td", {}, (e.latency * 1000).toFixed(1)),
        );
        return tr;
      });
    $("requests").tBodies[0].replaceChildren(...rows);
  }

  // -- exposure coverage ------------------------------------------------------------------

  // Called by tick() only (one refresh at a time): a control of the panel sets force and
  // asks for a tick, so an answer for an older scope cannot land after a newer one.
  async function refreshCoverage() {
    const c = s.coverage;
    const project = $("coverage-selected").checked ? s.selected : null;
    const scope = `${project}|${c.since}`;
    // the report changes only when a client was answered: ask again then, and not too often
    const answered = c.received !== s.received && Date.now() - c.at >= COVERAGE_EVERY;
    if (!c.force && scope === c.scope && (c.off || !answered)) return;
    const q = new URLSearchParams();
    if (project) q.set("project", project);
    if (c.since !== null) q.set("since", String(c.since));
    const mine = ++c.seq;
    const received = s.received;
    c.force = false;
    c.at = Date.now();
    let report;
    try {
      ({ data: report } = await call("GET", `/_mock/coverage?${q}`));
    } catch (error) {
      if (mine !== c.seq) return;
      if (error instanceof Refused && (error.status === 409 || error.status === 404)) {
        if (error.status === 404) c.since = null; // the mark is gone: the whole report next
        c.off = error.status === 409;
        c.scope = scope;
        c.received = received;
        $("coverage-off").textContent = error.message;
        $("coverage-off").hidden = false;
        $("coverage-report").hidden = true;
        return;
      }
      c.scope = null; // not answered (busy, say): ask again at the next refresh
      throw error;
    }
    if (mine !== c.seq) return; // a newer question was asked meanwhile
    c.scope = scope;
    c.received = received;
    c.off = false;
    $("coverage-off").hidden = true;
    $("coverage-report").hidden = false;
    renderCoverage(report);
  }

  function renderCoverage(r) {
    const scope = [r.projectId ? `of ${r.projectId}` : "", r.since ? `since mark ${r.since}` : ""];
    if (r.folded) scope.push(`(${r.folded} counted without their project)`);
    $("coverage-headline").textContent =
      `${r.shown} of ${r.total} situations shown (${tenths(r.percent)} %), ` +
      `in ${r.responses} responses ${scope.filter(Boolean).join(" ")}`.trim();
    $("coverage-all").hidden = r.since === null;
    const apis = [...new Set(r.categories.map((t) => t.api))];
    const found = new Map(r.categories.map((t) => [`${t.api} ${t.category}`, t]));
    const perApi = apis.map((api) => r.categories.filter((t) => t.api === api).map((t) => t.category));
    const categories = perApi.reduce((a, b) => (b.length > a.length ? b : a), []);
    const cell = (shown, total) => {
      const td = el("td", { class: "cov" }, `${shown}/${total}`);
      td.append(el("progress", { max: String(total || 1), value: String(shown) }));
      return td;
    };
    const rows = categories.map((category) => {
      const tr = el("tr", { "data-category": category }, el("td", {}, category));
      for (const api of apis) {
        const t = found.get(`${api} ${category}`);
        tr.append(t ? cell(t.shown, t.total) : el("td", { class: "muted" }, "–"));
      }
      return tr;
    });
    const total = el("tr", { class: "total" }, el("td", {}, "total"));
    for (const api of apis) {
      const mine = r.categories.filter((t) => t.api === api);
      const sum = (f) => mine.reduce((n, t) => n + t[f], 0);
      total.append(cell(sum("shown"), sum("total")));
    }
    rows.push(total);
    const head = el("tr", {}, el("th", {}, "shown to the clients"), ...apis.map((a) => el("th", {}, a)));
    $("coverage-table").tHead.replaceChildren(head);
    $("coverage-table").tBodies[0].replaceChildren(...rows);
    $("coverage-never").replaceChildren(...neverShown(r, new Set(apis)));
  }

  function tenths(x) {
    // as Python's f"{x:.1f}" (what mock-oms coverage prints): an exact half goes to even
    const t = x * 10;
    if (Number.isInteger(t * 2) && !Number.isInteger(t)) {
      const down = Math.floor(t);
      return ((down % 2 === 0 ? down : down + 1) / 10).toFixed(1);
    }
    return x.toFixed(1);
  }

  function hintOrder(hint) {
    // as mock-oms coverage: scenarios that show it by themselves first, then scenarios with
    // actions, faults to inject, what a client does
    if (!hint) return 4;
    if (hint.scenario) return hint.actions && hint.actions.length ? 1 : 0;
    return hint.fault !== null && hint.fault !== undefined ? 2 : 3;
  }

  function neverShown(r, apis) {
    const groups = new Map(); // hint text -> [order, elements]
    for (const e of r.elements) {
      if (e.count) continue;
      const text = e.hint ? e.hint.text : "no hint";
      if (!groups.has(text)) groups.set(text, [hintOrder(e.hint), []]);
      groups.get(text)[1].push(e);
    }
    const items = [...groups.entries()].sort((a, b) => a[1][0] - b[1][0]);
    if (!items.length) return [el("li", { class: "muted" }, "nothing: every situation was shown")];
    return items.map(([text, [, elements]]) => {
      const missed = new Map(); // "category value" -> the APIs that missed it
      for (const e of elements) {
        const name = `${e.category} ${e.value}`;
        missed.set(name, [...(missed.get(name) || []), e.api]);
      }
      const names = [...missed.entries()].map(([name, where]) =>
        where.length >= apis.size ? name : `${name} (${where.join(", ")})`,
      );
      return el("li", {}, el("b", {}, text), el("span", { class: "what" }, names.join(", ")));
    });
  }

  // -- refreshing -------------------------------------------------------------------------

  async function tick() {
    if (s.asking) return;
    if (s.busy) {
      s.again = true;
      return;
    }
    s.busy = true;
    try {
      await Promise.all([refreshClock(), refreshProjects(), refreshTail()]);
      if (s.selected) await refreshDetail();
      await refreshCoverage();
      $("live").textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      failed(error);
    } finally {
      s.busy = false;
    }
    if (s.again) {
      s.again = false;
      await tick();
    }
  }

  const refreshNow = () => tick();

  function schedule() {
    clearTimeout(s.timer);
    const every = Number($("refresh").value);
    if (every > 0)
      s.timer = setTimeout(async () => {
        if (!document.hidden) await tick();
        schedule();
      }, every);
  }

  // -- controls ---------------------------------------------------------------------------

  async function control(method, path, body, said) {
    try {
      const { data } = await call(method, path, body);
      if (said) show(typeof said === "function" ? said(data) : said);
      return data;
    } catch (error) {
      failed(error);
      return null;
    } finally {
      await refreshNow();
    }
  }

  async function act(id, action) {
    await control("POST", `/_mock/projects/${enc(id)}/actions/${enc(action)}`, undefined, (d) =>
      d.success ? `${id}: ${action} → ${d.data.status}` : `${id}: ${d.message}`,
    );
  }

  function wire() {
    $("token-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      s.token = $("token").value;
      sessionStorage.setItem(TOKEN_KEY, s.token);
      $("token").value = "";
      $("token-form").hidden = true;
      s.asking = false;
      await start();
    });
    $("advance-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const seconds = Number($("advance-seconds").value);
      control("POST", "/_mock/clock/advance", { seconds }, `advanced ${seconds} s`);
    });
    $("speed-form").addEventListener("submit", (event) => {
      event.preventDefault();
      control("POST", "/_mock/clock/speed", { speed: Number($("speed").value) });
    });
    $("pause").addEventListener("click", () => {
      const speed = s.clock && s.clock.speed > 0 ? 0 : s.lastSpeed || 1;
      control("POST", "/_mock/clock/speed", { speed });
    });
    $("refresh").addEventListener("change", schedule);
    $("reset-all").addEventListener("click", () =>
      control("POST", "/_mock/reset", undefined, (d) => `reset ${d.reset} projects`),
    );
    $("create-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { scenario: $("create-scenario").value };
      if ($("create-id").value.trim()) body.projectId = $("create-id").value.trim();
      const made = await control("POST", "/_mock/projects", body, (d) => `started ${d.projectId}`);
      if (made) {
        $("create-id").value = "";
        select(made.projectId);
      }
    });
    $("first-page").addEventListener("click", () => {
      s.cursor = null;
      refreshNow();
    });
    $("next-page").addEventListener("click", () => {
      s.cursor = s.next;
      refreshNow();
    });
    $("request-filter").addEventListener("change", refreshNow);
    const recount = () => {
      s.coverage.force = true;
      refreshNow();
    };
    $("coverage-selected").addEventListener("change", recount);
    $("coverage-mark").addEventListener("click", async () => {
      try {
        const { data: mark } = await call("POST", "/_mock/coverage/marks");
        show(`mark ${mark.mark}: counting from now`);
        s.coverage.since = mark.mark;
      } catch (error) {
        failed(error);
      }
      recount();
    });
    $("coverage-all").addEventListener("click", () => {
      s.coverage.since = null;
      recount();
    });
    $("fault-form").addEventListener("submit", (event) => {
      event.preventDefault();
      let fault;
      try {
        fault = JSON.parse($("fault-json").value.trim() || $("fault-kind").value);
      } catch {
        show("the fault is not JSON", true);
        return;
      }
      const count = Number($("fault-count").value);
      const body = count > 0 ? { fault, count } : { fault };
      control("POST", `/_mock/projects/${enc(s.selected)}/faults`, body, (f) => `injected ${f.fault}`);
    });
    $("clear-faults").addEventListener("click", () =>
      control("DELETE", `/_mock/projects/${enc(s.selected)}/faults`, undefined, (d) => `cleared ${d.cleared}`),
    );
    $("reset-project").addEventListener("click", () =>
      control("POST", `/_mock/projects/${enc(s.selected)}/reset`, undefined, `reset ${s.selected}`),
    );
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) refreshNow();
    });
  }

  async function start() {
    try {
      await loadScenarios();
    } catch (error) {
      failed(error);
      return;
    }
    await tick();
    schedule();
  }

  wire();
  start();
})();
