import { addCounts, emptySummary, failureLine, heldBackNotice } from './run-steps.js';
import type { MemberRunSummary, TransferDirection } from './state-store.js';

/**
 * Per-member totals, errors and notices of one run, as its steps report them: what finishRun
 * records. Plain data, so the orchestrator can keep one across replays as the CLI keeps one in
 * its loop. A member that failed takes no further step.
 */
export class RunTally {
  readonly errors: string[] = [];
  readonly notices: string[] = [];
  private readonly members: Map<string, MemberRunSummary>;
  private readonly failed = new Set<string>();

  constructor(members: readonly string[]) {
    this.members = new Map(members.map((member) => [member, emptySummary(member)]));
  }

  add(member: string, direction: TransferDirection, counts: { readonly moved: number; readonly conflicts: number; readonly failed: number }): void {
    this.members.set(member, addCounts(this.members.get(member) ?? emptySummary(member), direction, counts));
  }

  fail(role: 'member' | 'hub', name: string, message: string): void {
    this.failed.add(name);
    this.errors.push(failureLine(role, name, message));
  }

  hasFailed(member: string): boolean {
    return this.failed.has(member);
  }

  notice(node: string, heldBackBy: string | null): void {
    const notice = heldBackNotice(node, heldBackBy);
    if (notice !== null) this.notices.push(notice);
  }

  summaries(): MemberRunSummary[] {
    return [...this.members.values()];
  }
}
