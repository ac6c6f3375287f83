/** The status report as lines for a terminal. Pure. */
import { formatDuration } from '../core/duration.js';
import type { StatusReport } from './status-model.js';

const STATE_WORDS: Record<StatusReport['state'], string> = {
  complete: 'complete',
  running: 'running',
  incomplete: 'not running, incomplete',
};

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** `resumeCommand` is what finishes the run, shown when something is left to do and nothing runs. */
export function renderStatus(report: StatusReport, resumeCommand: string): string[] {
  const { run, totals } = report;
  const lines: string[] = [];
  lines.push(
    `phase ${run.phase}: indexes ${run.start}-${run.end} (${totals.items} items), ${totals.chunks} chunks of ${run.checkpointFrequency} — ${STATE_WORDS[report.state]}`,
  );
  lines.push(`output dir: ${report.outputDir}`);
  lines.push(
    `chunks: ${totals.committed} committed, ${totals.running} running, ${totals.failed} failed, ${totals.pending} pending; ` +
      `${totals.itemsCommitted}/${totals.items} items committed (${percentDone(totals.itemsCommitted, totals.items)})`,
  );

  if (report.state === 'running') {
    lines.push(
      `rate: ${report.itemsPerSecond.toFixed(1)} items/s over the last commits; ETA ${report.etaMs === null ? '-' : formatDuration(report.etaMs)}`,
    );
  }

  const severalHosts = report.hosts.length > 1;
  if (severalHosts) {
    lines.push('');
    const rows = [['host', 'devices', 'committed', 'running', 'failed', 'items/s']];
    for (const host of report.hosts)
      rows.push([
        host.host ?? '?',
        String(host.devices.length),
        String(host.committed),
        String(host.running),
        String(host.failed),
        host.itemsPerSecond.toFixed(1),
      ]);
    lines.push(...table(rows));
  }

  if (report.devices.length > 0) {
    lines.push('');
    const rows = [['device', 'committed', 'items', 'running', 'failed', 'items/s']];
    for (const device of report.devices)
      rows.push([
        device.name,
        String(device.committed),
        String(device.itemsCommitted),
        String(device.running),
        String(device.failed),
        device.itemsPerSecond.toFixed(1),
      ]);
    lines.push(...table(rows));
  }

  if (report.running.length > 0) {
    lines.push('', 'running (live claims):');
    for (const chunk of report.running) {
      const items = chunk.progress ? `${chunk.progress.done}/${chunk.progress.total} items` : 'no item progress reported';
      const attempt = chunk.attempt !== null ? `attempt ${chunk.attempt}, ` : '';
      lines.push(
        `  ${chunk.name} on ${chunk.device}: ${attempt}${items}, running ${formatDuration(chunk.claimedAgoMs)}; ` +
          `held by ${chunk.host} pid ${chunk.pid}, lease renewed ${formatDuration(chunk.leaseAgeMs)} ago (lease ${formatDuration(chunk.leaseMs)})`,
      );
    }
  }

  if (report.failed.length > 0) {
    lines.push('', 'failed (rerun the same launcher command to retry them):');
    for (const chunk of report.failed) {
      const attempts = chunk.attempts !== null ? ` after ${chunk.attempts} attempt(s)` : '';
      lines.push(`  ${chunk.start}-${chunk.end} on ${chunk.device}${attempts}: ${chunk.reason ?? 'reason not recorded'}`);
      if (chunk.logs.length > 0) lines.push(`    logs: ${chunk.logs.join(', ')}`);
      for (const line of chunk.logTail) lines.push(`    | ${line}`);
    }
  }

  if (report.pendingRanges) lines.push('', `pending: ${report.pendingRanges}`);

  if (report.staleClaims.length > 0) {
    lines.push('', 'stale claims (their holder is gone; the next run takes them over):');
    for (const claim of report.staleClaims) lines.push(`  ${claim.name} on ${claim.device}: ${claim.why}`);
  }

  if (report.duplicates.length > 0) {
    lines.push('', 'duplicate commits (extra copies, not counted):');
    for (const duplicate of report.duplicates) lines.push(`  ${duplicate.name} in ${duplicate.dir}`);
  }

  if (report.merged.length > 0) {
    lines.push('', 'merged files:');
    for (const merged of report.merged)
      lines.push(`  ${merged.file}  ${formatBytes(merged.bytes)}  (${merged.target}, written ${merged.modifiedAt})`);
  }

  if (report.state === 'incomplete') lines.push('', `to finish: ${resumeCommand}`);
  return lines;
}

/** Rounded down, so 99985 of 100000 reads 99.9%, never 100.0%: 100% means every item. */
export function percentDone(done: number, total: number): string {
  if (done >= total) return '100%';
  return `${(Math.floor((1000 * done) / total) / 10).toFixed(1)}%`;
}
