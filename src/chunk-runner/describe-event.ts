/** One readable line per event, for terminals and plain logs. Pure. */
import { formatDuration } from '../core/duration.js';
import type { RunEvent } from '../core/events.js';

export function describeEvent(event: RunEvent): string {
  switch (event.type) {
    case 'runner-started':
      return `runner pid ${event.pid} on ${event.host}: devices ${event.devices.join(', ')}; ${event.total} chunks, ${event.committed} already committed, ${event.pending} to run`;
    case 'interpreter-resolved':
      return `{python} ${event.python} is ${event.executable} (Python ${event.version}): phases start it directly, resolved once for this runner`;
    case 'chunk-started':
      return `${event.device} ${event.name} started (attempt ${event.attempt}), log ${event.log}`;
    case 'chunk-progress':
      return `${event.device} ${event.name} ${event.done}/${event.total}`;
    case 'chunk-committed':
      return `${event.device} ${event.name} committed in ${formatDuration(event.durationMs)}${event.rows !== null ? ` (${event.rows} rows)` : ''}`;
    case 'attempt-failed':
      return `${event.device} ${event.name} attempt ${event.attempt} failed: ${event.reason}${event.retryInMs !== null ? `; retrying in ${formatDuration(event.retryInMs)}` : ''} (log ${event.log})`;
    case 'chunk-failed':
      return `${event.device} ${event.name} FAILED after ${event.attempts} attempt(s): ${event.reason} (log ${event.log})`;
    case 'chunk-waiting':
      return `${event.name} is ${event.holder}; waiting for it`;
    case 'chunk-already-committed':
      return `${event.name} was committed by ${event.device} meanwhile; skipped`;
    case 'device-removed':
      return `DEVICE REMOVED ${event.device}: ${event.reason}`;
    case 'device-idle':
      return `${event.device} has no more chunks to take`;
    case 'stopping':
      return event.how === 'graceful'
        ? `stopping (${event.why}): no new chunks; running chunks may finish (Ctrl+C again to stop now)`
        : `stopping now (${event.why})`;
    case 'warning':
      return `warning: ${event.message}`;
    case 'host-lost':
      return `HOST LOST ${event.host}: ${event.reason}`;
    case 'runner-finished':
      return `runner finished: ${event.committed} committed, ${event.failed} failed${event.stopped ? ', stopped early' : ''}`;
  }
}
