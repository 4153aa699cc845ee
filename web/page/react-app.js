// The React + TanStack Query test page: what an app would write with the
// bindings (web/react/scansync-react.js). Same fragment parameters and
// window.scansyncPage as the framework-free page (app.js).
import { createElement as h, StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createScanSync } from './scansync.js';
import { ConnectionStatus, ScanSyncProvider, useScans, useScanSync } from './react/scansync-react.js';

const params = new URLSearchParams(location.hash.slice(1));
const server = new URL(params.get('server') || location.origin);
const wsUrl = `${server.protocol === 'https:' ? 'wss' : 'ws'}://${server.host}`;
const token = params.get('token') || '';
const backoffMs = Number(params.get('backoff')) || 0;
const page = { statuses: [], events: [], handlerRuns: 0, mounted: false };
window.scansyncPage = page;

// The page's client factory: createScanSync, with every handler counted so
// a test can prove none runs after unmount.
function createCountedClient(options) {
  const client = createScanSync({ ...options, ...(backoffMs ? { backoff: { initialMs: backoffMs } } : {}) });
  const count = (fn) => (...args) => { page.handlerRuns++; return fn(...args); };
  return {
    ...client,
    on: (event, fn) => client.on(event, count((...args) => {
      page.events.push({ event, id: args[0]?.id ?? null, seq: args[0]?.seq ?? null });
      return fn(...args);
    })),
    onStatus: (fn) => client.onStatus(count((...a) => { page.statuses.push({ ...client.status(), at: Date.now() }); return fn(...a); })),
    off: (id) => client.off(id),
    emit: (...args) => client.emit(...args),
    status: () => client.status(),
    setOnline: (v) => client.setOnline(v),
    close: () => client.close(),
  };
}

function ScanList() {
  const { client } = useScanSync();
  const { data, error, status } = useScans();
  const [deleting, setDeleting] = useState(() => new Set());
  const remove = (id) => {
    setDeleting((d) => new Set(d).add(id));
    client.emit('scan:delete', { id }, () => {});
  };
  return h('div', null,
    status === 'error' ? h('p', { className: 'error' }, `Could not load the scans: ${error.message}`) : null,
    h('ul', { className: 'scans', 'aria-label': 'Scans, newest first' },
      (data?.scans ?? []).map((s) => h('li', { key: s.id, 'data-id': s.id, 'data-seq': s.seq },
        h('code', null, s.code),
        h('span', { className: 'meta' }, `${s.format} · ${new Date(s.createdAt).toLocaleTimeString()}`),
        h('button', { type: 'button', className: 'delete', 'aria-label': `Delete ${s.code}`, disabled: deleting.has(s.id), onClick: () => remove(s.id) },
          deleting.has(s.id) ? 'Deleting…' : 'Delete')))));
}

function Mounted() {
  const { binding } = useScanSync();
  useEffect(() => {
    page.mounted = true;
    page.stats = binding.stats;
    return () => { page.mounted = false; };
  }, [binding]);
  return null;
}

const queryClient = new QueryClient();
function App() {
  const [live, setLive] = useState(true);
  return h(QueryClientProvider, { client: queryClient },
    h('div', { className: 'controls' },
      h('button', { id: 'toggle-live', type: 'button', onClick: () => setLive((v) => !v) }, live ? 'Unmount live view' : 'Mount live view')),
    live
      ? h(ScanSyncProvider, { url: wsUrl, apiBase: server.origin, getToken: () => token, createClient: createCountedClient },
        h(Mounted), h(ConnectionStatus), h(ScanList))
      : h('p', null, 'Live view unmounted.'));
}

if (!token) document.getElementById('root').textContent = 'Open this page with #token=<jwt>.';
else createRoot(document.getElementById('root')).render(h(StrictMode, null, h(App)));
