import type { ApplySides } from './conflict-resolution.js';
import type { EngineContext } from './engine-context.js';
import type { SyncGroup } from './group.js';
import type { ConnectedMember } from './group-connections.js';
import type { Provider, Stamp } from './provider.js';
import { scopeOf } from './scopes.js';
import type { CheckpointKey, MemberRunSummary, TransferDirection } from './state-store.js';
import { policyFor } from './sync-plan.js';
import { runTransfer, type Transfer } from './transfer.js';
import type { TableSchema } from './types.js';
import { fullyCoveredStamp } from './values.js';

interface MemberSyncBase {
  readonly group: SyncGroup;
  readonly context: EngineContext;
  readonly hub: Provider;
  readonly member: ConnectedMember;
  readonly tables: readonly TableSchema[];
  readonly runId: string;
  /** Per-member totals of this run, updated as tables finish. */
  readonly tally: Map<string, MemberRunSummary>;
}

export type MemberSyncJob =
  | (MemberSyncBase & { readonly direction: 'upload' })
  | (MemberSyncBase & { readonly direction: 'download'; readonly hubWatermark: Stamp });

/** Move every table of one member in one direction, table after table. */
export async function syncMemberTables(job: MemberSyncJob): Promise<void> {
  const before = job.direction === 'upload' ? await job.member.provider.watermark() : job.hubWatermark;
  for (const table of job.tables) {
    const transfer = await buildTransfer(job, table, before);
    const progress = await runTransfer(transfer, job.context.state, {
      onBatch: (moved, more) =>
        job.context.onProgress?.({ phase: job.direction, member: job.member.definition.name, table: table.name, moved, more }),
    });
    const name = job.member.definition.name;
    const summary = job.tally.get(name);
    if (!summary) continue;
    job.tally.set(name, {
      ...summary,
      uploaded: summary.uploaded + (job.direction === 'upload' ? progress.moved : 0),
      downloaded: summary.downloaded + (job.direction === 'download' ? progress.moved : 0),
      conflicts: summary.conflicts + progress.conflicts,
      failed: summary.failed + progress.failed,
    });
  }
}

async function buildTransfer(job: MemberSyncJob, table: TableSchema, before: Stamp): Promise<Transfer> {
  const { group, member, hub } = job;
  const memberName = member.definition.name;
  const upload = job.direction === 'upload';
  const memberScope = scopeOf(group, memberName);
  const hubScope = scopeOf(group, group.hub.name);
  const checkpointOf = (direction: TransferDirection): CheckpointKey => ({
    group: group.name,
    member: memberName,
    table: table.name,
    direction,
  });
  // What the source has already seen of the destination: for an upload, the hub changes this
  // member downloaded; for a download, the member changes the hub received.
  const seenBySource = await job.context.state.getCheckpoint(checkpointOf(upload ? 'download' : 'upload'));
  const sides: ApplySides = {
    group: group.name,
    runId: job.runId,
    member: memberName,
    sourceNode: upload ? memberName : group.hub.name,
    destinationNode: upload ? group.hub.name : memberName,
    sourceIsHub: !upload,
    policy: !upload && member.definition.direction === 'fromHub' ? 'fromHub' : policyFor(group, table.name),
  };
  return {
    direction: job.direction,
    source: upload ? member.provider : hub,
    destination: upload ? hub : member.provider,
    table,
    sides,
    checkpoint: checkpointOf(job.direction),
    excludeScope: upload ? hubScope : memberScope,
    sourceScope: upload ? memberScope : hubScope,
    unseenAfter: seenBySource ? fullyCoveredStamp(seenBySource) : null,
    before,
    batchSize: group.batchSize,
  };
}
