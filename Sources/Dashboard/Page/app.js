// Gatehouse operator dashboard.
//
// Design: the live feed only updates plain JS state (Maps and objects) and raises dirty flags;
// the DOM is touched by render() alone, which runs at most RENDER_INTERVAL_MS apart. That keeps
// the page responsive at thousands of messages per second: the cost of a message is a JSON
// parse and a few property writes, never layout. The device table is virtualized, so only the
// rows in view (plus a margin) exist in the DOM whatever the fleet size.
'use strict';

const ROW_HEIGHT = 34;            // px; must match --row-height in style.css
const ROW_MARGIN = 8;             // rows rendered above and below the viewport
const RENDER_INTERVAL_MS = 250;   // at most 4 renders a second
const CLOCK_REFRESH_MS = 1000;    // "3 s ago" texts are refreshed this often even without data
const HISTORY_POINTS = 300;       // chart points kept per field
const HISTORY_DEVICES = 16;       // recently selected devices whose chart history is kept
const EVENT_LOG_SIZE = 200;       // events kept per device
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 15000;
const COMMAND_GRACE_MS = 5000;    // wait this long past a command's timeout before giving up on it
const COMMAND_HISTORY_SIZE = 50;  // commands listed for the selected device, newest first
const FINAL_COMMAND_STATUSES = new Set(['ok', 'failed', 'unsupported', 'busy', 'timeout', 'expired', 'cancelled', 'offline', 'invalid']);
const TOAST_MS = 6000;

// Device properties a status message may carry besides online/reason/session_id; merged when
// present so a device first seen in a status message gets as many facts as the server knows.
const OPTIONAL_STATUS_KEYS = ['profile', 'remote', 'firmware', 'connected_at_ms', 'node'];
const NUMERIC_TYPES = new Set(['i8', 'u8', 'i16', 'u16', 'i32', 'u32', 'i64', 'u64', 'f32', 'f64']);

// ---------------------------------------------------------------------------------------------
// State

const state = {
  token: null,
  profiles: {},             // profile name -> profile, as served by /api/profiles
  devices: new Map(),       // device id -> device object (the server's shape, kept up to date)
  visibleIds: [],           // ids that pass the filter, sorted; rebuilt only when dirty.list
  filter: '',
  selected: null,           // id of the device in the detail panel
  events: new Map(),        // device id -> events, oldest first, at most EVENT_LOG_SIZE
  histories: new Map(),     // device id -> Map(field -> {ts: [], values: []}); insertion order = LRU
  commandResults: new Map(),// device id -> the last command sent to it and its outcome
  pending: new Map(),       // request_id -> {device, timer} for commands awaiting a result
  commandLog: { device: null, records: new Map() }, // the selected device's commands by command_id
  feed: { state: 'connecting', retryAt: 0 },
};

// What needs redrawing. Set freely by message handlers; cleared by render().
const dirty = { list: true, table: true, header: true, detail: true, charts: true, events: true, form: true, result: true, commands: true };

const idCollator = new Intl.Collator(undefined, { numeric: true });
const els = {};               // DOM elements by id, looked up once
let socket = null;
let backoffAttempt = 0;
let reconnectTimer = null;
let commandSeq = 0;

class AuthError extends Error {}

// ---------------------------------------------------------------------------------------------
// Start-up and authentication

function main() {
  for (const el of document.querySelectorAll('[id]')) els[camel(el.id)] = el;
  els.loginForm.addEventListener('submit', onLoginSubmit);

  state.token = new URLSearchParams(location.search).get('token');
  if (!state.token) {
    showLogin('Enter the API token to open the dashboard.');
    return;
  }
  els.app.hidden = false;
  bindUi();
  buildFacts();
  setInterval(() => requestAnimationFrame(render), RENDER_INTERVAL_MS);
  connect();
}

function camel(id) {
  return id.replace(/-(\w)/g, (_, c) => c.toUpperCase());
}

function showLogin(message, isError = false) {
  stopFeed();
  els.app.hidden = true;
  els.login.hidden = false;
  els.loginMessage.textContent = message;
  els.loginMessage.classList.toggle('error', isError);
  els.loginToken.focus();
}

// Reload with the token in the URL, so a bookmark or a shared link carries it.
function onLoginSubmit(event) {
  event.preventDefault();
  const url = new URL(location.href);
  url.searchParams.set('token', els.loginToken.value.trim());
  location.assign(url);
}

function rejectToken() {
  showLogin('Invalid token: the server refused it. Enter a valid API token.', true);
}

// ---------------------------------------------------------------------------------------------
// REST

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${state.token}`, 'Content-Type': 'application/json', ...options.headers },
  });
  if (response.status === 401) throw new AuthError('invalid token');
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return response.json();
}

// ---------------------------------------------------------------------------------------------
// Live feed: connection and back-off

// Profiles are (re)loaded before every socket: they may change across a server restart, and a
// REST call is the only way to tell an invalid token apart (a refused WebSocket handshake just
// looks like a dropped connection to the browser).
async function connect() {
  reconnectTimer = null;
  setFeedState('connecting');
  try {
    state.profiles = await api('/api/profiles');
  } catch (err) {
    if (err instanceof AuthError) return rejectToken();
    return scheduleReconnect();
  }
  dirty.form = dirty.table = dirty.detail = true;
  openSocket();
}

function openSocket() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  socket = new WebSocket(`${scheme}://${location.host}/ws?token=${encodeURIComponent(state.token)}`);
  socket.onmessage = onSocketMessage;
  socket.onclose = onSocketClose;
}

function onSocketClose() {
  socket = null;
  failPendingCommands('no answer: the live feed dropped');
  scheduleReconnect();
}

// Exponential back-off from 1 s doubling up to 15 s; the jitter (±25 %, still capped at 15 s)
// spreads the reconnects of many open dashboards after a server restart.
function scheduleReconnect() {
  const base = BACKOFF_MIN_MS * 2 ** Math.min(backoffAttempt, 4);
  const delay = Math.round(Math.min(BACKOFF_MAX_MS, base * (0.75 + Math.random() * 0.5)));
  backoffAttempt++;
  setFeedState('reconnecting', Date.now() + delay);
  reconnectTimer = setTimeout(connect, delay);
}

function stopFeed() {
  clearTimeout(reconnectTimer);
  if (socket) {
    socket.onclose = null;
    socket.close();
    socket = null;
  }
}

function setFeedState(name, retryAt = 0) {
  state.feed = { state: name, retryAt };
  dirty.header = true;
}

// ---------------------------------------------------------------------------------------------
// Live feed: messages

const messageHandlers = {
  snapshot: applySnapshot,
  telemetry: applyTelemetry,
  event: applyEvent,
  status: applyStatus,
  command_result: applyCommandResult,
  lagged: (msg) => noteLagged(msg.dropped),
  error: (msg) => toast('error', `Server error: ${msg.message}`),
};

function onSocketMessage(event) {
  let msg;
  try {
    msg = JSON.parse(event.data);
  } catch {
    return; // not JSON: nothing we can act on
  }
  messageHandlers[msg.type]?.(msg);
}

// The snapshot replaces all device state. Client-side logs (chart history, events, command
// outcomes) are kept for devices that still exist, so a reconnect does not blank the panel.
function applySnapshot(msg) {
  const devices = new Map();
  for (const device of msg.devices) devices.set(device.id, device);
  state.devices = devices;
  for (const map of [state.events, state.histories, state.commandResults]) {
    for (const id of map.keys()) if (!devices.has(id)) map.delete(id);
  }
  if (state.selected !== null && !devices.has(state.selected)) select(null);
  // A link may name a device to open (?device=ID), as operators share them.
  const linked = new URLSearchParams(location.search).get('device');
  if (state.selected === null && linked && devices.has(linked)) select(linked);
  backoffAttempt = 0;
  setFeedState('connected');
  markAllDirty();
}

function applyTelemetry(msg) {
  const device = deviceFor(msg.device);
  const last = device.last_telemetry;
  // Merge, so fields a frame did not carry keep their latest known value.
  device.last_telemetry = { ts: msg.ts, fields: last ? Object.assign(last.fields, msg.fields) : { ...msg.fields } };
  device.last_seen_ms = Date.now();
  recordHistory(msg.device, msg.ts, msg.fields);
  dirty.table = true;
  if (msg.device === state.selected) dirty.detail = dirty.charts = true;
}

function applyEvent(msg) {
  const device = deviceFor(msg.device);
  device.last_seen_ms = Date.now();
  let log = state.events.get(msg.device);
  if (!log) state.events.set(msg.device, (log = []));
  log.push(msg);
  if (log.length > EVENT_LOG_SIZE) log.splice(0, log.length - EVENT_LOG_SIZE);
  dirty.table = true;
  if (msg.device === state.selected) dirty.detail = dirty.events = true;
}

function applyStatus(msg) {
  const device = deviceFor(msg.device);
  const newSession = msg.online && (!device.online || (msg.session_id && msg.session_id !== device.session_id));
  const profileBefore = device.profile;
  device.online = msg.online;
  device.reason = msg.reason ?? null;
  if (msg.session_id !== undefined) device.session_id = msg.session_id;
  if (msg.ts != null) device.last_seen_ms = msg.ts;
  if (newSession) device.connected_at_ms = msg.ts ?? Date.now();
  for (const key of OPTIONAL_STATUS_KEYS) if (key in msg) device[key] = msg[key];
  if (device.profile !== profileBefore) dirty.list = true; // the filter also matches profiles
  dirty.table = dirty.header = true;
  if (msg.device === state.selected) {
    dirty.detail = true;
    if (device.profile !== profileBefore) dirty.form = true;
  }
}

// Every step of every command (this dashboard's or not) updates the history of the selected
// device. A command this dashboard sent is waited for until it ends, or until it is queued for a
// device that is away (that may take hours: the history shows the rest); later steps of the
// command shown in the result box still update it.
function applyCommandResult(msg) {
  noteCommandRecord(msg);
  const outcome = { status: msg.status, result: msg.result, command_id: msg.command_id, error: msg.error };
  const pending = state.pending.get(msg.request_id);
  if (pending) {
    if (FINAL_COMMAND_STATUSES.has(msg.status) || (msg.status === 'queued' && msg.ttl_ms > 0)) {
      clearTimeout(pending.timer);
      state.pending.delete(msg.request_id);
    }
    setCommandOutcome(msg.device, outcome);
  } else if (msg.command_id && state.commandResults.get(msg.device)?.command_id === msg.command_id) {
    setCommandOutcome(msg.device, outcome);
  }
}

// Telemetry, events or status for a device the snapshot did not have: add it to the table.
function deviceFor(id) {
  let device = state.devices.get(id);
  if (!device) {
    device = {
      id, profile: null, online: true, reason: null, session_id: null, remote: null, node: null,
      connected_at_ms: null, last_seen_ms: null, firmware: null, last_telemetry: null,
    };
    state.devices.set(id, device);
    dirty.list = dirty.header = true;
  }
  return device;
}

// Chart history is only kept for the selected device and a few recently selected ones: a
// 300-point history for every field of 10,000 devices would cost hundreds of megabytes.
function recordHistory(id, ts, fields) {
  const history = state.histories.get(id);
  if (!history) return;
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== 'number') continue;
    let series = history.get(name);
    if (!series) history.set(name, (series = { ts: [], values: [] }));
    series.ts.push(ts);
    series.values.push(value);
    if (series.values.length > HISTORY_POINTS) {
      series.ts.shift();
      series.values.shift();
    }
  }
}

function startHistory(id) {
  const history = state.histories.get(id);
  state.histories.delete(id); // re-inserted below, as the most recently used
  if (history) {
    state.histories.set(id, history);
    return;
  }
  state.histories.set(id, new Map());
  const last = state.devices.get(id)?.last_telemetry;
  if (last) recordHistory(id, last.ts, last.fields);
  while (state.histories.size > HISTORY_DEVICES) state.histories.delete(state.histories.keys().next().value);
}

function markAllDirty() {
  for (const key of Object.keys(dirty)) dirty[key] = true;
}

// ---------------------------------------------------------------------------------------------
// Profiles and formatting

function profileOf(device) {
  return (device && device.profile && state.profiles[device.profile]) || null;
}

// The unit of a named field in a tag -> field map of a profile (telemetry, event fields, results).
function unitIn(fieldsByTag, name) {
  for (const field of Object.values(fieldsByTag || {})) if (field.name === name) return field.unit || '';
  return '';
}

function formatValue(value) {
  if (typeof value === 'number') {
    // Scaled values arrive as binary floats (21.500000000000004); 12 significant digits is more
    // than any profile's resolution and hides the noise.
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
  }
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function formatWithUnit(value, unit) {
  return unit ? `${formatValue(value)} ${unit}` : formatValue(value);
}

// "temperature 21.5 °C · humidity 44 %", units looked up by field name in the given map.
function formatFields(fields, fieldsByTag) {
  return Object.entries(fields || {})
    .map(([name, value]) => `${fieldLabel(name)} ${formatWithUnit(value, unitIn(fieldsByTag, name))}`)
    .join(' · ');
}

// Fields the profile does not name arrive under their tag number: "#7 4" reads better than "7 4".
function fieldLabel(name) {
  return /^\d+$/.test(name) ? `#${name}` : name;
}

function formatStatus(device) {
  if (device.online) return 'online';
  return device.reason ? `offline · ${device.reason}` : 'offline';
}

function formatAgo(ms, now) {
  if (ms == null) return '—';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

// Local time, in the unambiguous 2026-01-01 09:05:00 form whatever the browser's locale.
function formatClock(ms) {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map(pad2).join(':');
}

function formatDateTime(ms) {
  if (ms == null) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${formatClock(ms)}`;
}

function pad2(n) {
  return String(n).padStart(2, '0');
}

// Writes only on change: most renders find most texts unchanged, and DOM writes are the cost.
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

// ---------------------------------------------------------------------------------------------
// Rendering

function render() {
  const now = Date.now();
  if (now - render.lastClock >= CLOCK_REFRESH_MS) {
    render.lastClock = now;
    dirty.table = dirty.detail = dirty.header = true; // relative times move on
    if (hasQueuedCommands()) dirty.commands = true; // so do their expiry countdowns
  }
  if (dirty.list) rebuildVisibleIds();
  if (dirty.header) renderHeader(now);
  if (dirty.table) renderTable(now);
  if (state.selected !== null) renderDetail(now);
}
render.lastClock = 0;

function rebuildVisibleIds() {
  dirty.list = false;
  dirty.table = true;
  const needle = state.filter;
  const ids = [];
  for (const device of state.devices.values()) {
    if (!needle || device.id.toLowerCase().includes(needle) || (device.profile || '').toLowerCase().includes(needle)) {
      ids.push(device.id);
    }
  }
  state.visibleIds = ids.sort(idCollator.compare);
}

function renderHeader(now) {
  dirty.header = false;
  let online = 0;
  for (const device of state.devices.values()) if (device.online) online++;
  setText(els.countOnline, online.toLocaleString());
  setText(els.countTotal, state.devices.size.toLocaleString());

  const { state: feed, retryAt } = state.feed;
  els.feedState.dataset.state = feed;
  const text = feed === 'connected' ? 'live feed connected'
    : feed === 'reconnecting' ? `reconnecting in ${Math.max(1, Math.ceil((retryAt - now) / 1000))} s…`
    : 'connecting…';
  setText(els.feedState, text);
}

// -- Virtualized device table ------------------------------------------------------------------

const rowPool = []; // reusable row elements; rows are repositioned rather than re-created

function renderTable(now) {
  dirty.table = false;
  const ids = state.visibleIds;
  const viewport = els.tableViewport;
  // Read layout first, then only write, so the browser lays out once per render. Row positions
  // are relative to the spacer, which starts one (sticky header) row below the viewport's top.
  const scrollTop = viewport.scrollTop;
  const height = viewport.clientHeight || window.innerHeight;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - ROW_MARGIN);
  const end = Math.min(ids.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + ROW_MARGIN);

  const spacerHeight = `${ids.length * ROW_HEIGHT}px`;
  if (els.tableSpacer.style.height !== spacerHeight) els.tableSpacer.style.height = spacerHeight;
  while (rowPool.length < end - first) rowPool.push(createRow());
  rowPool.forEach((row, i) => {
    const index = first + i;
    if (index < end) fillRow(row, index, state.devices.get(ids[index]), now);
    else if (!row.el.hidden) parkRow(row);
  });
  renderEmptyTable();
}

// A spare row is emptied as well as hidden, so the DOM never names a device that is not shown.
function parkRow(row) {
  row.el.hidden = true;
  row.index = -1;
  delete row.el.dataset.deviceId;
  for (const cell of Object.values(row.cells)) cell.textContent = '';
}

function createRow() {
  const el = document.createElement('div');
  el.className = 'row';
  el.setAttribute('role', 'row');
  el.tabIndex = -1;
  const cells = {};
  for (const name of ['id', 'profile', 'status', 'seen', 'values']) {
    const cell = document.createElement('span');
    cell.className = `cell-${name}`;
    cell.setAttribute('role', 'cell');
    el.append(cell);
    cells[name] = cell;
  }
  els.tableSpacer.append(el);
  return { el, cells, index: -1 };
}

function fillRow(row, index, device, now) {
  row.el.hidden = false;
  if (row.index !== index) {
    row.index = index;
    row.el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
  }
  if (row.el.dataset.deviceId !== device.id) row.el.dataset.deviceId = device.id;
  row.el.classList.toggle('selected', device.id === state.selected);
  row.el.classList.toggle('offline', !device.online);
  setText(row.cells.id, device.id);
  setText(row.cells.profile, device.profile || '—');
  setText(row.cells.status, formatStatus(device));
  setText(row.cells.seen, formatAgo(device.last_seen_ms, now));
  const telemetry = profileOf(device)?.telemetry;
  setText(row.cells.values, device.last_telemetry ? formatFields(device.last_telemetry.fields, telemetry) : '—');
}

function renderEmptyTable() {
  const empty = state.visibleIds.length === 0;
  els.tableEmpty.hidden = !empty;
  if (!empty) return;
  const text = state.devices.size === 0 ? 'No devices yet.' : `No device matches “${els.filter.value}”.`;
  setText(els.tableEmpty, text);
}

// -- Detail panel -----------------------------------------------------------------------------

const FACTS = [
  ['profile', 'Profile'], ['status', 'Status'], ['node', 'Gateway node'], ['session', 'Session ID'],
  ['remote', 'Remote address'], ['firmware', 'Firmware'], ['since', 'Connected since'], ['seen', 'Last seen'],
];
const factEls = {};

function buildFacts() {
  for (const [key, label] of FACTS) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    els.detailFacts.append(dt, dd);
    factEls[key] = dd;
  }
}

function select(id) {
  state.selected = id;
  els.detail.hidden = id === null;
  if (id !== null) startHistory(id);
  els.charts.replaceChildren();
  chartCards.clear();
  loadCommandHistory(id);
  dirty.table = dirty.detail = dirty.charts = dirty.events = dirty.form = dirty.result = dirty.commands = true;
}

function renderDetail(now) {
  const device = state.devices.get(state.selected);
  if (dirty.detail) renderFacts(device, now);
  if (dirty.charts) renderCharts(device);
  if (dirty.events) renderEvents(device);
  if (dirty.form) buildCommandForm(device);
  if (dirty.result) renderCommandResult();
  if (dirty.commands) renderCommandHistory(now);
}

function renderFacts(device, now) {
  dirty.detail = false;
  setText(els.detailId, device.id);
  setText(els.detailStatus, formatStatus(device));
  els.detailStatus.classList.toggle('offline', !device.online);
  setText(factEls.profile, device.profile || 'none');
  setText(factEls.status, device.online ? 'online' : `offline${device.reason ? ` (${device.reason})` : ''}`);
  setText(factEls.node, device.node || '—');
  setText(factEls.session, device.session_id || '—');
  setText(factEls.remote, device.remote || '—');
  setText(factEls.firmware, device.firmware || '—');
  const since = device.online && device.connected_at_ms != null
    ? `${formatDateTime(device.connected_at_ms)} (${formatAgo(device.connected_at_ms, now)})` : '—';
  setText(factEls.since, since);
  setText(factEls.seen, device.last_seen_ms != null
    ? `${formatAgo(device.last_seen_ms, now)} · ${formatDateTime(device.last_seen_ms)}` : '—');
}

function renderEvents(device) {
  dirty.events = false;
  const log = state.events.get(device.id) || [];
  const eventFields = profileOf(device)?.events?.fields;
  const items = [];
  for (let i = log.length - 1; i >= 0; i--) items.push(eventItem(log[i], eventFields));
  els.eventLog.replaceChildren(...items);
  els.eventsEmpty.hidden = log.length > 0;
}

function eventItem(event, eventFields) {
  const li = document.createElement('li');
  const time = document.createElement('time');
  time.textContent = formatClock(event.ts);
  const name = document.createElement('b');
  name.textContent = event.name || `event ${event.code}`;
  const fields = document.createElement('span');
  fields.textContent = formatFields(event.fields, eventFields);
  li.append(time, name, fields);
  return li;
}

// -- Charts -----------------------------------------------------------------------------------

const chartCards = new Map(); // field name -> {card, value, canvas}, for the selected device

function renderCharts(device) {
  dirty.charts = false;
  const history = state.histories.get(device.id);
  const telemetry = profileOf(device)?.telemetry;
  for (const name of history.keys()) if (!chartCards.has(name)) chartCards.set(name, createChartCard(name));
  els.chartsEmpty.hidden = history.size > 0;

  const colors = chartColors();
  for (const [name, series] of history) {
    const unit = unitIn(telemetry, name);
    const card = chartCards.get(name);
    setText(card.value, formatWithUnit(series.values[series.values.length - 1], unit));
    drawChart(card.canvas, series, unit, colors);
  }
}

function createChartCard(name) {
  const card = document.createElement('figure');
  card.className = 'chart';
  const caption = document.createElement('figcaption');
  const title = document.createElement('span');
  title.textContent = fieldLabel(name);
  const value = document.createElement('b');
  caption.append(title, value);
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${name} over time`);
  card.append(caption, canvas);
  els.charts.append(card);
  return { card, value, canvas };
}

// Canvas cannot use CSS variables directly; read the theme's colors once per chart pass.
function chartColors() {
  const style = getComputedStyle(document.documentElement);
  const get = (name) => style.getPropertyValue(name).trim();
  return { line: get('--accent'), grid: get('--border'), text: get('--muted'), font: `11px ${get('--font-sans')}` };
}

function drawChart(canvas, series, unit, colors) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);

  const { ts, values } = series;
  const [min, max] = valueRange(values);
  const pad = { left: 8, right: 8, top: 16, bottom: 18 };
  const plot = { x: pad.left, y: pad.top, w: width - pad.left - pad.right, h: height - pad.top - pad.bottom };

  drawAxes(ctx, plot, colors, {
    max: formatWithUnit(max, unit), min: formatWithUnit(min, unit),
    from: formatClock(ts[0]), to: formatClock(ts[ts.length - 1]),
  });
  drawLine(ctx, plot, colors.line, ts, values, min, max);
}

// A flat series gets a band around its value so the line sits mid-chart rather than on an edge;
// the band is a round step one decade below the value (21.5 -> ±1, 0.97 -> ±0.01).
function valueRange(values) {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) {
    const band = min === 0 ? 1 : 10 ** (Math.floor(Math.log10(Math.abs(min))) - 1);
    return [min - band, max + band];
  }
  return [min, max];
}

// Max above the plot's top-left corner, min below its bottom-left one, and the time span of the
// points above the top-right, away from the (possibly long) min label.
function drawAxes(ctx, plot, colors, labels) {
  ctx.strokeStyle = colors.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (const y of [plot.y, plot.y + plot.h]) {
    ctx.moveTo(plot.x, Math.round(y) + 0.5);
    ctx.lineTo(plot.x + plot.w, Math.round(y) + 0.5);
  }
  ctx.stroke();

  ctx.fillStyle = colors.text;
  ctx.font = colors.font;
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'left';
  ctx.fillText(`max ${labels.max}`, plot.x, plot.y - 2);
  ctx.textAlign = 'right';
  ctx.fillText(labels.from === labels.to ? labels.to : `${labels.from} – ${labels.to}`, plot.x + plot.w, plot.y - 2);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(`min ${labels.min}`, plot.x, plot.y + plot.h + 3);
}

function drawLine(ctx, plot, color, ts, values, min, max) {
  const t0 = ts[0];
  const span = ts[ts.length - 1] - t0 || 1;
  const x = (t) => plot.x + ((t - t0) / span) * plot.w;
  const y = (v) => plot.y + plot.h - ((v - min) / (max - min)) * plot.h;
  ctx.strokeStyle = color;
  ctx.lineWidth = 1.5;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(ts[i]), y(v)) : ctx.lineTo(x(ts[i]), y(v))));
  if (values.length === 1) ctx.lineTo(plot.x + plot.w, y(values[0])); // one point: a level line
  ctx.stroke();
}

// -- Command form -----------------------------------------------------------------------------

// Built when the selection (or its profile) changes, never on a data render: rebuilding would
// wipe what the operator is typing.
function buildCommandForm(device) {
  dirty.form = false;
  const commands = profileOf(device)?.commands;
  const fields = commands ? profileCommandFields(commands) : rawCommandFields();
  els.commandFields.replaceChildren(...fields);
}

function profileCommandFields(commands) {
  const names = Object.keys(commands);
  if (names.length === 0) return [note('This profile defines no commands.')];
  const picker = document.createElement('select');
  picker.name = 'command';
  picker.required = true;
  picker.append(...names.map((name) => new Option(name, name)));
  const args = document.createElement('div');
  args.className = 'command-args';
  const showArgs = () => args.replaceChildren(...argInputs(commands[picker.value].args || {}));
  picker.addEventListener('change', showArgs);
  showArgs();
  return [labelled('Command', picker), args];
}

function argInputs(args) {
  return Object.entries(args).map(([name, spec]) => {
    const input = spec.type === 'bool' ? boolSelect() : document.createElement('input');
    if (NUMERIC_TYPES.has(spec.type)) {
      input.type = 'number';
      input.step = 'any';
    }
    input.name = `arg:${name}`;
    input.dataset.type = spec.type;
    input.required = true;
    return labelled(name, input, spec.unit);
  });
}

function boolSelect() {
  const select = document.createElement('select');
  select.append(new Option('true', 'true'), new Option('false', 'false'));
  return select;
}

// A device without a profile: its commands and argument tags are only known to the operator.
function rawCommandFields() {
  const name = document.createElement('input');
  name.name = 'command';
  name.required = true;
  name.placeholder = 'command name';
  const args = document.createElement('textarea');
  args.name = 'raw-args';
  args.rows = 3;
  args.spellcheck = false;
  args.placeholder = '{"1":{"type":"i16","value":225}}';
  args.value = '{}';
  return [
    note('This device has no profile: give the command name and its arguments by tag.'),
    labelled('Command', name),
    labelled('Arguments (JSON by tag)', args),
  ];
}

// <label><span>value <span class="unit">°C</span></span><input></label>
function labelled(text, control, unit) {
  const caption = document.createElement('span');
  caption.append(text);
  if (unit) {
    const span = document.createElement('span');
    span.className = 'unit';
    span.textContent = unit;
    caption.append(' ', span);
  }
  const label = document.createElement('label');
  label.append(caption, control);
  return label;
}

function note(text) {
  const p = document.createElement('p');
  p.className = 'muted';
  p.textContent = text;
  return p;
}

function onCommandSubmit(event) {
  event.preventDefault();
  const deviceId = state.selected;
  let command;
  try {
    command = readCommandForm();
  } catch (err) {
    setCommandOutcome(deviceId, { status: 'invalid', error: err.message });
    return;
  }
  sendCommand(deviceId, command);
}

function readCommandForm() {
  const form = els.commandForm.elements;
  const name = form.command?.value.trim();
  if (!name) throw new Error('choose a command');
  const timeoutMs = Number(els.commandTimeout.value);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error('the timeout must be a positive whole number of ms');
  const ttlSeconds = Number(els.commandTtl.value);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 0 || ttlSeconds > 2592000) throw new Error('queue for 0 to 2592000 s (30 days)');
  const args = form['raw-args'] ? parseRawArgs(form['raw-args'].value) : readArgInputs();
  const command = { name, args, timeout_ms: timeoutMs };
  if (ttlSeconds > 0) command.ttl_ms = ttlSeconds * 1000;
  return command;
}

function readArgInputs() {
  const args = {};
  for (const input of els.commandFields.querySelectorAll('[name^="arg:"]')) {
    const name = input.name.slice(4);
    const type = input.dataset.type;
    if (type === 'bool') args[name] = input.value === 'true';
    else if (NUMERIC_TYPES.has(type)) {
      if (input.value === '' || !Number.isFinite(Number(input.value))) throw new Error(`${name} needs a number`);
      args[name] = Number(input.value);
    } else args[name] = input.value;
  }
  return args;
}

function parseRawArgs(text) {
  let args;
  try {
    args = JSON.parse(text.trim() || '{}');
  } catch (err) {
    throw new Error(`arguments are not valid JSON: ${err.message}`);
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new Error('arguments must be a JSON object keyed by tag');
  return args;
}

// Over the WebSocket when it is up (the result comes back as a command_result message),
// otherwise over REST, so commands still work while the feed reconnects.
function sendCommand(deviceId, command) {
  setCommandOutcome(deviceId, { status: 'pending', name: command.name });
  if (socket && socket.readyState === WebSocket.OPEN) {
    const requestId = `dash-${Date.now().toString(36)}-${++commandSeq}`;
    const timer = setTimeout(() => failPending(requestId, 'no answer from the server'), command.timeout_ms + COMMAND_GRACE_MS);
    state.pending.set(requestId, { device: deviceId, timer });
    socket.send(JSON.stringify({ type: 'command', request_id: requestId, device: deviceId, ...command }));
    return;
  }
  api(`/api/devices/${encodeURIComponent(deviceId)}/commands`, { method: 'POST', body: JSON.stringify(command) })
    .then((answer) => {
      noteCommandRecord(answer);
      setCommandOutcome(deviceId, answer);
    })
    .catch((err) => (err instanceof AuthError ? rejectToken() : setCommandOutcome(deviceId, { status: 'error', error: err.message })));
}

function failPending(requestId, reason) {
  const pending = state.pending.get(requestId);
  if (!pending) return;
  clearTimeout(pending.timer);
  state.pending.delete(requestId);
  setCommandOutcome(pending.device, { status: 'error', error: reason });
}

function failPendingCommands(reason) {
  for (const requestId of [...state.pending.keys()]) failPending(requestId, reason);
}

// Keeps the command's name from the pending entry, so the outcome can be labelled and its
// result fields given units from the profile.
function setCommandOutcome(deviceId, outcome) {
  const previous = state.commandResults.get(deviceId);
  state.commandResults.set(deviceId, { name: previous?.name, ...outcome, at: Date.now() });
  if (deviceId === state.selected) dirty.result = true;
}

function renderCommandResult() {
  dirty.result = false;
  const outcome = state.commandResults.get(state.selected);
  els.commandSend.disabled = outcome?.status === 'pending';
  if (!outcome) {
    els.commandResult.replaceChildren();
    return;
  }
  const badge = document.createElement('span');
  badge.className = `badge status-${outcome.status}`;
  badge.textContent = outcome.status === 'pending' ? 'sending…' : outcome.status;
  const title = document.createElement('span');
  title.textContent = [outcome.name, outcome.command_id ?? '', formatClock(outcome.at)]
    .filter(Boolean).join(' · ');
  const detail = document.createElement('div');
  detail.className = 'result-fields';
  detail.textContent = outcome.error || resultText(outcome);
  els.commandResult.replaceChildren(badge, title, detail);
}

function resultText(outcome) {
  if (!outcome.result || Object.keys(outcome.result).length === 0) return '';
  const device = state.devices.get(state.selected);
  const resultFields = profileOf(device)?.commands?.[outcome.name]?.result;
  return formatFields(outcome.result, resultFields);
}

// -- Command history --------------------------------------------------------------------------

// The server keeps every command's record; the page lists the selected device's newest ones,
// loaded once on selection and then kept current by the live feed's command_result messages.
function loadCommandHistory(id) {
  state.commandLog = { device: id, records: new Map() };
  if (id === null) return;
  api(`/api/devices/${encodeURIComponent(id)}/commands?limit=${COMMAND_HISTORY_SIZE}`)
    .then((records) => {
      if (state.commandLog.device !== id) return; // another device was selected meanwhile
      for (const record of records) noteCommandRecord(record, { onlyIfNewer: true });
    })
    .catch((err) => (err instanceof AuthError ? rejectToken() : toast('error', `Command history: ${err.message}`)));
}

// A record (from REST or a command_result message) for the listed device; a message from the
// live feed may be newer than the REST answer that arrives after it, so the longer history wins.
function noteCommandRecord(record, { onlyIfNewer = false } = {}) {
  const log = state.commandLog;
  if (!record?.command_id || !record.history || record.device !== log.device) return;
  const known = log.records.get(record.command_id);
  if (onlyIfNewer && known && known.history.length >= record.history.length) return;
  log.records.set(record.command_id, record);
  if (log.records.size > COMMAND_HISTORY_SIZE) {
    const oldest = [...log.records.values()].sort(byCreation)[0];
    log.records.delete(oldest.command_id);
  }
  dirty.commands = true;
}

function byCreation(a, b) {
  return a.created_at_ms - b.created_at_ms || a.history[0].at_ms - b.history[0].at_ms;
}

function hasQueuedCommands() {
  for (const record of state.commandLog.records.values()) if (record.status === 'queued') return true;
  return false;
}

function renderCommandHistory(now) {
  dirty.commands = false;
  const records = [...state.commandLog.records.values()].sort(byCreation).reverse();
  els.commandHistory.replaceChildren(...records.map((record) => commandItem(record, now)));
  els.commandHistoryEmpty.hidden = records.length > 0;
}

function commandItem(record, now) {
  const li = document.createElement('li');
  li.className = 'command-entry';
  li.dataset.commandId = record.command_id;
  const badge = document.createElement('span');
  badge.className = `badge status-${record.status}`;
  badge.textContent = record.status;
  const name = document.createElement('b');
  name.textContent = record.name;
  const args = document.createElement('span');
  args.className = 'command-args-text';
  const device = state.devices.get(record.device);
  const argSpecs = profileOf(device)?.commands?.[record.name]?.args || {};
  args.textContent = Object.entries(record.args || {})
    .map(([arg, value]) => `${fieldLabel(arg)}=${formatWithUnit(value, argSpecs[arg]?.unit)}`)
    .join(' ');
  const head = document.createElement('div');
  head.className = 'command-head';
  head.append(badge, name, args);
  if (record.status === 'queued') {
    const expiry = document.createElement('span');
    expiry.className = 'command-expiry';
    expiry.textContent = record.expires_at_ms != null ? `expires ${formatIn(record.expires_at_ms, now)}` : '';
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'command-cancel';
    cancel.dataset.cancel = record.command_id;
    cancel.textContent = 'Cancel';
    head.append(expiry, cancel);
  }
  const steps = document.createElement('div');
  steps.className = 'command-steps';
  steps.textContent = record.history
    .map((step) => `${step.status} ${formatMoment(step.at_ms, now)}${step.node ? ` via ${step.node}` : ''}`)
    .join(' → ');
  li.append(head, steps);
  const result = formatFields(record.result, profileOf(device)?.commands?.[record.name]?.result);
  if (result) {
    const fields = document.createElement('div');
    fields.className = 'result-fields';
    fields.textContent = result;
    li.append(fields);
  }
  li.title = `${record.command_id}${record.request_id ? ` · request ${record.request_id}` : ''} · node ${record.node}`;
  return li;
}

// A queue may hold a command for days: the date is shown unless it is today.
function formatMoment(ms, now) {
  return new Date(ms).toDateString() === new Date(now).toDateString() ? formatClock(ms) : formatDateTime(ms);
}

function formatIn(ms, now) {
  const s = Math.max(0, Math.round((ms - now) / 1000));
  if (s < 60) return `in ${s} s`;
  if (s < 3600) return `in ${Math.floor(s / 60)} min`;
  if (s < 86400) return `in ${Math.floor(s / 3600)} h`;
  return `in ${Math.floor(s / 86400)} d`;
}

function onCommandHistoryClick(event) {
  const id = event.target.closest('[data-cancel]')?.dataset.cancel;
  if (!id) return;
  event.target.disabled = true;
  api(`/api/commands/${encodeURIComponent(id)}`, { method: 'DELETE' })
    .then((record) => noteCommandRecord(record))
    .catch((err) => {
      event.target.disabled = false;
      if (err instanceof AuthError) rejectToken();
      else toast('error', `Cancel failed: ${err.message} (it may have been sent already)`);
    });
}

// -- Notices ----------------------------------------------------------------------------------

// One toast per kind: a repeated notice updates the one on screen and restarts its timer, so a
// burst of lagged messages never stacks up notices.
const activeToasts = new Map(); // kind -> {el, timer}
let droppedSinceNotice = 0;

function noteLagged(dropped) {
  droppedSinceNotice += dropped;
  const text = `Live feed fell behind: ${droppedSinceNotice.toLocaleString()} messages were dropped.`;
  toast('lagged', text, () => { droppedSinceNotice = 0; });
}

function toast(kind, text, onHide) {
  let entry = activeToasts.get(kind);
  if (!entry) {
    const el = document.createElement('div');
    el.className = `toast toast-${kind}`;
    els.toasts.append(el);
    entry = { el, timer: 0 };
    activeToasts.set(kind, entry);
  }
  entry.el.textContent = text;
  clearTimeout(entry.timer);
  entry.timer = setTimeout(() => {
    entry.el.remove();
    activeToasts.delete(kind);
    onHide?.();
  }, TOAST_MS);
}

// ---------------------------------------------------------------------------------------------
// UI events

function bindUi() {
  els.filter.addEventListener('input', () => {
    state.filter = els.filter.value.trim().toLowerCase();
    els.tableViewport.scrollTop = 0;
    dirty.list = true;
    requestAnimationFrame(render);
  });
  // Scrolling renders on the next frame rather than the next tick, so rows never lag the scroll.
  els.tableViewport.addEventListener('scroll', () => {
    dirty.table = true;
    requestAnimationFrame(render);
  }, { passive: true });
  window.addEventListener('resize', () => { dirty.table = dirty.charts = true; });
  els.tableViewport.addEventListener('click', (event) => {
    const row = event.target.closest('.row[data-device-id]');
    if (!row) return;
    select(row.dataset.deviceId);
    requestAnimationFrame(render);
  });
  els.tableViewport.addEventListener('keydown', onTableKey);
  els.detailClose.addEventListener('click', () => select(null));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && state.selected !== null) select(null);
  });
  els.commandForm.addEventListener('submit', onCommandSubmit);
  els.commandHistory.addEventListener('click', onCommandHistoryClick);
}

// Up/down move the selection through the filtered list, keeping it in view below the sticky
// header (which covers the first ROW_HEIGHT of the viewport).
function onTableKey(event) {
  if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
  event.preventDefault();
  const ids = state.visibleIds;
  if (ids.length === 0) return;
  const current = ids.indexOf(state.selected);
  const next = Math.min(ids.length - 1, Math.max(0, current + (event.key === 'ArrowDown' ? 1 : -1)));
  select(ids[next]);
  const top = next * ROW_HEIGHT;
  const viewport = els.tableViewport;
  const rowsHeight = viewport.clientHeight - ROW_HEIGHT;
  if (top < viewport.scrollTop) viewport.scrollTop = top;
  else if (top + ROW_HEIGHT > viewport.scrollTop + rowsHeight) viewport.scrollTop = top + ROW_HEIGHT - rowsHeight;
  requestAnimationFrame(render);
}

main();
