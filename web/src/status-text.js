// What the connection indicator shows for a client status (the shape of
// ScanSync's status(): {status, attempt, nextDelayMs, reason}). Shared by the
// framework-free page and <ConnectionStatus/>: text as well as colour.

const REASONS = {
  offline: 'offline',
  unauthorized: 'unauthorized',
  gave_up: 'gave up',
  user: 'closed',
  background: 'in the background',
  server: 'closed by the server',
};

// → {tone: 'green'|'yellow'|'red', spinner, text}
export function describeStatus(s) {
  const status = s?.status ?? 'disconnected';
  if (status === 'connected') return { tone: 'green', spinner: false, text: 'Connected' };
  if (status === 'connecting') return { tone: 'yellow', spinner: true, text: 'Connecting…' };
  if (status === 'reconnecting') {
    const seconds = Math.max(0, Math.ceil((s.nextDelayMs ?? 0) / 1000));
    return { tone: 'yellow', spinner: true, text: `Reconnecting — attempt ${s.attempt ?? 1}, next try in ${seconds} s` };
  }
  const reason = s?.reason ? REASONS[s.reason] ?? String(s.reason) : '';
  return { tone: 'red', spinner: false, text: reason ? `Disconnected — ${reason}` : 'Disconnected' };
}
