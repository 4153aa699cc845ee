// The gateway's own page: the live scan list of the signed-in user, without
// a framework, on the built-in QueryCache. The WASM client (scansync.js,
// built by scripts/build-web.sh) sits beside this file in the web root.
//
// URL fragment: #token=<jwt> signs in (else the sign-in field does);
// &server=<http(s) origin> talks to a gateway other than the page's origin
// (an app served elsewhere, allowed by the gateway's --cors-origin);
// &backoff=<ms> sets the first reconnect delay (tests; default 1 s).
//
// window.scansyncPage exposes what the browser tests read: every status
// the client reported, how many client handlers ran, and mount/unmount.
import { createScanSync } from './scansync.js';
import { QueryCache } from './src/query-cache.js';
import { bindScanQueries, SCANS_KEY } from './src/scan-queries.js';
import { describeStatus } from './src/status-text.js';

const params = new URLSearchParams(location.hash.slice(1));
const server = new URL(params.get('server') || location.origin);
const wsUrl = `${server.protocol === 'https:' ? 'wss' : 'ws'}://${server.host}`;
const cache = new QueryCache();
const liveRoot = document.getElementById('live');
const toggle = document.getElementById('toggle-live');
const backoffMs = Number(params.get('backoff')) || 0;
const page = { statuses: [], events: [], handlerRuns: 0, mounted: false, mount, unmount };
window.scansyncPage = page;
let token = params.get('token') || sessionStorage.getItem('scansync-token') || '';
let view = null;

// Counts every client callback the page registered, so a test can prove
// none runs after unmount.
function counted(fn) {
  return (...args) => { page.handlerRuns++; return fn(...args); };
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'onclick') node.addEventListener('click', v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function renderStatus(node, status) {
  const d = describeStatus(status);
  node.className = `scansync-status scansync-${d.tone}`;
  node.dataset.tone = d.tone;
  node.dataset.status = status.status;
  const parts = [el('span', { class: 'scansync-dot', 'aria-hidden': 'true' })];
  if (d.spinner) parts.push(el('span', { class: 'scansync-spinner', 'aria-hidden': 'true' }));
  parts.push(el('span', { class: 'scansync-status-text' }, d.text));
  node.replaceChildren(...parts);
}

function renderList(v, state) {
  const scans = state?.data?.scans ?? [];
  v.error.textContent = state?.status === 'error' ? `Could not load the scans: ${state.error.message}` : '';
  v.list.replaceChildren(...scans.map((s) => el('li', { 'data-id': s.id, 'data-seq': s.seq },
    el('code', {}, s.code),
    el('span', { class: 'meta' }, `${s.format} · ${new Date(s.createdAt).toLocaleTimeString()}`),
    el('button', {
      type: 'button', class: 'delete', 'aria-label': `Delete ${s.code}`, disabled: v.deleting.has(s.id) ? '' : null,
      onclick: () => remove(v, s.id),
    }, v.deleting.has(s.id) ? 'Deleting…' : 'Delete'))));
}

// A delete made while disconnected waits in the client's outbound queue
// (50 messages) and is sent after the reconnect; the scan leaves the list
// when the server's scan:deleted comes back.
function remove(v, id) {
  v.deleting.add(id);
  renderList(v, cache.getQueryState(SCANS_KEY));
  v.client.emit('scan:delete', { id }, counted((err, ack) => {
    if (err || !ack?.ok) v.deleting.delete(id);
    if (view === v) renderList(v, cache.getQueryState(SCANS_KEY));
  }));
}

function mount() {
  if (view || !token) return;
  const getToken = () => token;
  const client = createScanSync({ url: wsUrl, getToken, ...(backoffMs ? { backoff: { initialMs: backoffMs } } : {}) });
  const binding = bindScanQueries({ client, queryClient: cache, getToken, apiBase: server.origin });
  const v = {
    client, binding, deleting: new Set(),
    status: el('div', { role: 'status', 'aria-live': 'polite' }),
    error: el('p', { class: 'error' }),
    list: el('ul', { class: 'scans', 'aria-label': 'Scans, newest first' }),
  };
  const onStatus = counted(() => {
    const s = client.status();
    page.statuses.push({ ...s, at: Date.now() });
    renderStatus(v.status, s);
  });
  v.statusId = client.onStatus(onStatus);
  v.stopList = cache.observe(binding.queryOptions(), (state) => renderList(v, state));
  // Every event the client delivers counts, whichever handler it is for.
  v.countId = client.on('*', counted((event, arg) => page.events.push({ event, id: arg?.id ?? null, seq: arg?.seq ?? null })));
  liveRoot.replaceChildren(v.status, v.error, v.list);
  view = v;
  page.mounted = true;
  page.stats = binding.stats;
  onStatus();
  if (!navigator.onLine) client.setOnline(false);
  toggle.textContent = 'Unmount live view';
}

// Drops every subscription, then closes the socket.
function unmount() {
  if (!view) return;
  const v = view;
  view = null;
  v.binding.dispose();
  v.client.off(v.statusId);
  v.client.off(v.countId);
  v.stopList();
  v.client.close();
  cache.removeQueries({ queryKey: SCANS_KEY });
  liveRoot.replaceChildren(el('p', {}, 'Live view unmounted.'));
  page.mounted = false;
  toggle.textContent = 'Mount live view';
}

window.addEventListener('online', () => view?.client.setOnline(true));
window.addEventListener('offline', () => view?.client.setOnline(false));
toggle.addEventListener('click', () => (view ? unmount() : mount()));

const form = document.getElementById('sign-in');
form.addEventListener('submit', (e) => {
  e.preventDefault();
  token = document.getElementById('token').value.trim();
  if (!token) return;
  sessionStorage.setItem('scansync-token', token);
  form.hidden = true;
  toggle.hidden = false;
  unmount();
  mount();
});
if (token) {
  toggle.hidden = false;
  mount();
} else {
  form.hidden = false;
}
