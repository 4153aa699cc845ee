// React bindings for ScanSync over TanStack Query. Plain ES modules with
// bare "react" and "@tanstack/react-query" imports: a bundler resolves them
// from node_modules, a page without one maps them in an import map (see
// web/page/react.html).
//
//   <QueryClientProvider client={queryClient}>
//     <ScanSyncProvider url="ws://…" getToken={…} createClient={createScanSync}>
//       <ConnectionStatus/> <List/>            // List calls useScans()
//
// The provider owns the client: it is created when the provider mounts (or
// its url / createClient change) and closed when it unmounts, with every
// handler the provider and the cache binding registered removed first, so
// no handler runs after. getToken is read through a ref: a new function from
// the app's auth store is used at the next (re)connect without reconnecting.
import { createContext, createElement as h, useContext, useEffect, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { bindScanQueries, SCANS_KEY } from '../src/scan-queries.js';
import { describeStatus } from '../src/status-text.js';

const ScanSyncContext = createContext(null);

// Props: url (ws:// or wss:// of the gateway), getToken (sync or async),
// createClient (the WASM module's createScanSync), apiBase (the REST origin,
// default: the url's http(s) twin), followBrowserOnline (default true: the
// window's online/offline events drive client.setOnline).
export function ScanSyncProvider({ url, getToken, createClient, apiBase, followBrowserOnline = true, children }) {
  const queryClient = useQueryClient();
  const tokenRef = useRef(getToken);
  tokenRef.current = getToken;
  const [session, setSession] = useState(null);

  useEffect(() => {
    const token = () => tokenRef.current();
    const client = createClient({ url, getToken: token });
    const binding = bindScanQueries({ client, queryClient, getToken: token, apiBase: apiBase ?? httpOrigin(url) });
    let live = true;
    const statusId = client.onStatus(() => {
      if (live) setSession((s) => (s && s.client === client ? { ...s, status: client.status() } : s));
    });
    const online = () => client.setOnline(true);
    const offline = () => client.setOnline(false);
    if (followBrowserOnline && typeof window !== 'undefined') {
      window.addEventListener('online', online);
      window.addEventListener('offline', offline);
      if (window.navigator?.onLine === false) client.setOnline(false);
    }
    setSession({ client, binding, status: client.status() });
    return () => {
      live = false;
      if (followBrowserOnline && typeof window !== 'undefined') {
        window.removeEventListener('online', online);
        window.removeEventListener('offline', offline);
      }
      binding.dispose();
      client.off(statusId);
      client.close();
      // The list belongs to this connection; a later provider fetches its own.
      queryClient.removeQueries({ queryKey: SCANS_KEY });
      setSession(null);
    };
  }, [url, createClient, queryClient, apiBase, followBrowserOnline]);

  if (!session) return null;
  return h(ScanSyncContext.Provider, { value: session }, children);
}

function httpOrigin(url) {
  const u = new URL(url);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  return u.origin;
}

// {client, status}: the client (emit, on, off …) and its latest status.
export function useScanSync() {
  const session = useContext(ScanSyncContext);
  if (!session) throw new Error('useScanSync() outside <ScanSyncProvider>');
  return session;
}

// The live scan list through TanStack's useQuery: data is
// {scans (newest first), latestSeq, epoch, nextCursor}.
export function useScans() {
  const { binding } = useScanSync();
  return useQuery(binding.queryOptions());
}

const DOT_COLOURS = { green: '#1a7f37', yellow: '#d4a72c', red: '#cf222e' };

// The connection indicator: a dot (green, yellow with a spinner, red) and the
// status in words, announced to screen readers as it changes.
export function ConnectionStatus({ className = '' }) {
  const { status } = useScanSync();
  const d = describeStatus(status);
  return h('div', {
    className: `scansync-status scansync-${d.tone} ${className}`.trim(),
    role: 'status', 'aria-live': 'polite', 'data-status': status?.status, 'data-tone': d.tone,
  },
  h('span', { className: 'scansync-dot', 'aria-hidden': 'true', style: { background: DOT_COLOURS[d.tone] } }),
  d.spinner ? h('span', { className: 'scansync-spinner', 'aria-hidden': 'true' }) : null,
  h('span', { className: 'scansync-status-text' }, d.text));
}
