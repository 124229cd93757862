// The status page: polls /status.json every 2 s and draws it. Everything from the server is
// written with textContent or SVG attributes, never as markup: reasons and errors are free text.
'use strict';

const POLL_MS = 2000;
const TOKEN_KEY = 'cachefailover-status-token';
const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#0969da', '#8250df', '#bf3989', '#1b7c83', '#953800', '#57606a'];
const HEALTH_COLORS = { healthy: '#1a7f37', degraded: '#b7791f', unhealthy: '#c62828', unknown: '#8a8f98' };

const $ = (id) => document.getElementById(id);
let lastOk = null;
let timer = null;

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

async function poll() {
  clearTimeout(timer);
  const headers = { Accept: 'application/json' };
  const t = token();
  if (t) {
    headers.Authorization = 'Bearer ' + t;
  }

  try {
    const response = await fetch('/status.json', { headers, cache: 'no-store', credentials: 'omit' });
    if (response.status === 401) {
      // No token yet, or a wrong one: ask, and stop polling until one is given.
      if (t) {
        sessionStorage.removeItem(TOKEN_KEY);
        showLoginError('The server did not accept that token.');
      }
      showLogin();
      return;
    }

    if (!response.ok) {
      throw new Error('HTTP ' + response.status);
    }

    render(await response.json());
    lastOk = new Date();
    setConnection('Updated ' + lastOk.toLocaleTimeString(), false);
  } catch (error) {
    const since = lastOk ? ' (last update ' + lastOk.toLocaleTimeString() + ')' : '';
    setConnection('Cannot reach the server: ' + error.message + since, true);
  }

  timer = setTimeout(poll, POLL_MS);
}

function setConnection(text, stale) {
  const el = $('connection');
  el.textContent = text;
  el.classList.toggle('stale', stale);
}

function showLogin() {
  $('dashboard').hidden = true;
  $('login').hidden = false;
  setConnection('Waiting for the token', false);
  $('token').focus();
}

function showLoginError(text) {
  const el = $('login-error');
  el.textContent = text;
  el.hidden = false;
}

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = $('token').value.trim();
  if (!value) {
    return;
  }

  sessionStorage.setItem(TOKEN_KEY, value);
  $('token').value = '';
  $('login-error').hidden = true;
  poll();
});

function text(tag, content, className) {
  const el = document.createElement(tag);
  if (content !== undefined && content !== null) {
    el.textContent = String(content);
  }

  if (className) {
    el.className = className;
  }

  return el;
}

function row(cells, className) {
  const tr = document.createElement('tr');
  if (className) {
    tr.className = className;
  }

  for (const cell of cells) {
    tr.appendChild(cell instanceof Node ? wrapTd(cell) : text('td', cell));
  }

  return tr;
}

function wrapTd(node) {
  const td = document.createElement('td');
  td.appendChild(node);
  return td;
}

function num(value, digits) {
  return value === null || value === undefined ? '–' : Number(value).toFixed(digits ?? 2);
}

function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString() : '–';
}

function render(page) {
  $('login').hidden = true;
  $('dashboard').hidden = false;
  const s = page.status;
  const serving = s.services.find((x) => x.service_id === s.active_service_id);

  $('serving').textContent = s.active_service_id;
  $('serving-endpoint').textContent = serving ? serving.endpoint : '';
  const status = $('status');
  status.textContent = s.status;
  status.className = 'big st-' + s.status;
  $('status-since').textContent = 'since ' + new Date(s.status_since).toLocaleString();
  $('epoch').textContent = String(s.epoch);
  $('recovery-note').textContent = recoveryNote(s);
  renderJournal(s);
  renderServices(s);
  renderChart(page.history, page.generated_at);
  renderTimeline(page.events);
  renderGroup(s.group);
}

function recoveryNote(s) {
  if (!s.failover_enabled) {
    return 'failover disabled';
  }

  if (s.auto_recovery_suspended) {
    return 'automatic recovery waits for trigger_manual_recovery';
  }

  if (s.primary_held_down_until) {
    return 'primary held down until ' + time(s.primary_held_down_until);
  }

  return s.auto_recovery_enabled ? 'automatic recovery on' : 'automatic recovery off';
}

function renderJournal(s) {
  const j = s.journal;
  $('journal-pending').textContent = j.pending_keys + ' / ' + j.capacity;
  const notes = [];
  notes.push('keys to invalidate on the primary before it serves again');
  if (j.overflowed) {
    notes.push('overflowed');
  }

  if (j.primary_dirty) {
    notes.push('primary dirty: ' + (j.dirty_reason || 'reconcile before serving it'));
  }

  const cleanup = Object.entries(s.pending_backup_cleanup || {});
  if (cleanup.length) {
    notes.push('cleanup pending: ' + cleanup.map(([id, n]) => id + ' ' + n).join(', '));
  }

  const el = $('journal-note');
  el.textContent = notes.join('; ');
  el.classList.toggle('error', j.overflowed || j.primary_dirty);
}

function renderServices(s) {
  const body = document.querySelector('#services tbody');
  body.replaceChildren(...s.services.map((x) => row([
    x.service_id + (x.is_active ? ' (serving)' : ''),
    x.role + (x.role === 'backup' ? ' ' + x.priority : ''),
    text('span', x.health, 'badge ' + x.health),
    x.endpoint,
    text('span', num(x.probe_latency_ms, 3)),
    // With neither operations nor a probe since the last switch there is no figure (the field reads 0).
    text('span', x.success_rate === null && x.probe_latency_ms === null ? '–' : num(x.avg_response_ms, 3)),
    x.success_rate === null ? '–' : (x.success_rate * 100).toFixed(1) + ' %',
    x.last_error ? x.last_error + (x.last_error_at ? ' (' + time(x.last_error_at) + ')' : '') : '',
  ], x.is_active ? 'active' : '')));
}

function svg(tag, attributes) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    el.setAttribute(name, String(value));
  }

  return el;
}

function niceMax(value) {
  if (!(value > 0)) {
    return 1;
  }

  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 5, 10]) {
    if (value <= step * power) {
      return step * power;
    }
  }

  return 10 * power;
}

// The time axis ends at the server's generated_at, so a browser whose clock differs still plots it right.
function renderChart(history, generatedAt) {
  $('window-minutes').textContent = String(Math.round(history.window_seconds / 60));
  $('interval-seconds').textContent = String(history.interval_seconds);
  const width = 900;
  const left = 56;
  const right = 110;
  const top = 10;
  const plot = 170;
  const band = 12;
  const height = top + plot + 24 + history.services.length * (band + 4) + 4;
  const end = new Date(generatedAt).getTime();
  const start = end - history.window_seconds * 1000;
  const x = (at) => left + ((new Date(at).getTime() - start) / (end - start)) * (width - left - right);
  let max = 0;
  for (const series of history.services) {
    for (const p of series.points) {
      if (p.latency_ms !== null && p.latency_ms > max) {
        max = p.latency_ms;
      }
    }
  }

  const yMax = niceMax(max);
  const y = (ms) => top + plot - (ms / yMax) * plot;
  const root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': 'probe latency per service' });
  for (const fraction of [0, 0.5, 1]) {
    const ms = yMax * fraction;
    root.appendChild(svg('line', { class: 'axis', x1: left, x2: width - right, y1: y(ms), y2: y(ms) }));
    const label = svg('text', { x: left - 6, y: y(ms) + 4, 'text-anchor': 'end' });
    label.textContent = ms.toFixed(ms < 1 ? 2 : 0) + ' ms';
    root.appendChild(label);
  }

  for (const [i, minutesAgo] of [[0, history.window_seconds / 60], [1, history.window_seconds / 120], [2, 0]]) {
    const label = svg('text', { x: x(end - minutesAgo * 60000), y: top + plot + 16, 'text-anchor': i === 0 ? 'start' : i === 2 ? 'end' : 'middle' });
    label.textContent = minutesAgo === 0 ? 'now' : '-' + minutesAgo + ' min';
    root.appendChild(label);
  }

  history.services.forEach((series, i) => {
    const color = COLORS[i % COLORS.length];
    // A sample without a latency (no probe answered since start or since a switch) breaks the line:
    // a gap, not a line drawn across what was not measured.
    const segments = [[]];
    for (const p of series.points.filter((p) => new Date(p.at).getTime() >= start)) {
      if (p.latency_ms === null) {
        segments.push([]);
      } else {
        segments[segments.length - 1].push(p);
      }
    }

    for (const segment of segments.filter((s) => s.length)) {
      root.appendChild(svg('polyline', { class: 'series', stroke: color, points: segment.map((p) => x(p.at).toFixed(1) + ',' + y(p.latency_ms).toFixed(1)).join(' ') }));
      const last = segment[segment.length - 1];
      root.appendChild(svg('circle', { cx: x(last.at), cy: y(last.latency_ms), r: 3, fill: color }));
    }

    const legend = svg('text', { x: width - right + 8, y: top + 12 + i * 16, fill: color });
    legend.textContent = series.service_id;
    root.appendChild(legend);

    // Health band: one cell per sample, as wide as the interval.
    const bandY = top + plot + 24 + i * (band + 4);
    const name = svg('text', { x: left - 6, y: bandY + band - 2, 'text-anchor': 'end' });
    name.textContent = series.service_id;
    root.appendChild(name);
    const cell = ((history.interval_seconds * 1000) / (end - start)) * (width - left - right);
    for (const p of series.points) {
      const px = x(p.at);
      if (px < left) {
        continue;
      }

      root.appendChild(svg('rect', { x: Math.max(left, px - cell), y: bandY, width: Math.max(1, Math.min(cell, px - left)), height: band, fill: HEALTH_COLORS[p.health] || HEALTH_COLORS.unknown }));
      if (p.active) {
        root.appendChild(svg('rect', { class: 'serving', x: Math.max(left, px - cell), y: bandY, width: Math.max(1, Math.min(cell, px - left)), height: band }));
      }
    }
  });

  $('chart').replaceChildren(root);
}

function renderTimeline(events) {
  const list = $('timeline');
  list.replaceChildren(...events.map((e) => {
    const li = document.createElement('li');
    li.className = e.success ? e.kind : 'failed';
    li.appendChild(text('span', new Date(e.started_at).toLocaleString(), 'when'));
    const target = e.to_service_id ? e.from_service_id + ' → ' + e.to_service_id : e.from_service_id;
    li.appendChild(text('strong', e.kind + (e.success ? '' : ' (failed)') + ' ' + target));
    const details = [
      'epoch ' + e.epoch,
      'trigger ' + e.trigger + (e.automatic ? ' (automatic)' : ' (by an operator)'),
      e.detection_ms === null ? null : 'detected in ' + num(e.detection_ms, 1) + ' ms',
      'switched in ' + num(e.duration_ms, 1) + ' ms',
      e.kind === 'recovery' ? e.reconciled_keys + ' keys reconciled' : null,
      e.decided_by ? 'decided by ' + e.decided_by : null,
    ].filter((d) => d !== null);
    li.appendChild(text('span', ' — ' + details.join(', ')));
    li.appendChild(text('div', e.error ? e.reason + ': ' + e.error : e.reason, 'muted'));
    return li;
  }));
  $('timeline-empty').hidden = events.length > 0;
}

function renderGroup(g) {
  $('group-name').textContent = g.name;
  const r = g.record;
  $('group-record').textContent = r
    ? 'Record v' + r.version + ': ' + r.status + ', ' + r.serving_service_id + ' serving at epoch ' + r.epoch + ', decided by ' + r.decided_by + ' at ' + time(r.decided_at) + ' (' + r.reason + ')'
    : 'No member has recorded a decision yet. This member: ' + g.member_id + '.';
  const body = document.querySelector('#members tbody');
  body.replaceChildren(...g.members.map((m) => row([
    m.member_id + (m.is_this_member ? ' (this server)' : ''),
    m.host,
    String(m.pid),
    m.carries_traffic ? 'yes' : 'control only',
    m.serving_service_id,
    String(m.adopted_epoch),
    time(m.last_heartbeat),
    m.live ? (m.lagging ? 'lagging' : 'live') : 'lost',
  ])));
  $('divergence').replaceChildren(...g.divergence.map((d) => text('li', d)));
}

poll();
