import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../engine/engine-context.js';
import type { SyncGroup } from '../engine/group.js';

export interface ProgressDisplay {
  readonly onProgress?: (event: ProgressEvent) => void;
  stop(): void;
}

/**
 * A bar over the run's (member, table, direction) transfers, on stderr and only for a person
 * watching: never when stderr is redirected or --json output is meant for a program.
 */
export function startProgress(group: SyncGroup, json: boolean): ProgressDisplay {
  if (json || !process.stderr.isTTY) return { stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{bar} {value}/{total} transfers | {rows} rows | {current}',
      // The cursor is left alone: a sync stopped with Ctrl-C must not leave the terminal without one.
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(transferCount(group), 0, { rows: 0, current: 'connecting' });
  let rows = 0;
  return {
    onProgress: (event) => {
      rows += event.moved;
      bar.increment(event.more ? 0 : 1, { rows, current: `${event.phase} ${event.member}.${event.table}` });
    },
    stop: () => bar.stop(),
  };
}

/** Each member transfers every table once per direction it takes part in. */
function transferCount(group: SyncGroup): number {
  const directionsPerMember = group.members.map((member) => (member.direction === 'bidirectional' ? 2 : 1));
  return directionsPerMember.reduce((sum, count) => sum + count, 0) * group.tables.length;
}
