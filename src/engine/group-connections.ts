import type { EngineContext } from './engine-context.js';
import type { MemberDefinition, SyncGroup } from './group.js';
import type { Provider } from './provider.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { assertDistinctDatabases } from './distinct-databases.js';
import { MemberTableNames, memberTablesView } from './member-tables-view.js';

export interface ConnectedMember {
  readonly definition: MemberDefinition;
  readonly provider: Provider;
}

/**
 * The group's databases, each opened on first use and kept open until `close`: a step that
 * touches one member opens only that member.
 */
export class GroupNodes {
  private readonly opened = new Map<string, Promise<Provider>>();
  private distinct: Promise<void> | undefined;

  constructor(
    readonly group: SyncGroup,
    private readonly context: EngineContext,
    private readonly options: { readonly create: boolean },
  ) {}

  hub(): Promise<Provider> {
    return this.open(this.group.hub.name, () => this.context.openProvider(this.group.hub, { create: false }));
  }

  async member(name: string): Promise<ConnectedMember> {
    const definition = this.group.members.find((member) => member.name === name);
    if (!definition) throw new HubsyncError(ErrorCode.NotFound, `group "${this.group.name}" has no member "${name}"`);
    // Before any member is opened, which could create its file: a group whose nodes share a
    // database is refused, and so is a table the member cannot hold under its name.
    const tableNames = new MemberTableNames(this.group, definition);
    this.distinct ??= assertDistinctDatabases(this.group, this.context);
    await this.distinct;
    const provider = await this.open(name, async () => memberTablesView(tableNames, await this.context.openProvider(definition, this.options)));
    return { definition, provider };
  }

  /**
   * Every member, opened at once: a run with nothing to do is mostly connection set-up. Each
   * attempt is awaited before a failure is reported, so `close` finds every database that opened.
   */
  async members(): Promise<ConnectedMember[]> {
    const outcomes = await Promise.allSettled(this.group.members.map((definition) => this.member(definition.name)));
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    return outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  }

  async close(): Promise<void> {
    const providers = await Promise.allSettled(this.opened.values());
    this.opened.clear();
    await closeAll(providers.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : [])));
  }

  private open(name: string, connect: () => Promise<Provider>): Promise<Provider> {
    let provider = this.opened.get(name);
    if (!provider) {
      provider = connect();
      this.opened.set(name, provider);
      // A failed open is reported to its caller; it must not count as an open node later.
      provider.catch(() => this.opened.delete(name));
    }
    return provider;
  }
}

export async function closeAll(providers: readonly Provider[]): Promise<void> {
  await Promise.allSettled(providers.map((provider) => provider.close()));
}

/** Run `work` with the group's nodes opened on demand, closing them afterwards whatever happens. */
export async function withGroupNodes<T>(
  group: SyncGroup,
  context: EngineContext,
  options: { create: boolean },
  work: (nodes: GroupNodes) => Promise<T>,
): Promise<T> {
  const nodes = new GroupNodes(group, context, options);
  try {
    return await work(nodes);
  } finally {
    await nodes.close();
  }
}

/** Run `work` with the hub open, closing it afterwards whatever happens. */
export async function withHub<T>(
  group: SyncGroup,
  context: EngineContext,
  work: (hub: Provider) => Promise<T>,
): Promise<T> {
  return withGroupNodes(group, context, { create: false }, async (nodes) => work(await nodes.hub()));
}

/** Run `work` with the hub and every member open, closing them afterwards whatever happens. */
export async function withMembers<T>(
  group: SyncGroup,
  context: EngineContext,
  options: { create: boolean },
  work: (members: readonly ConnectedMember[]) => Promise<T>,
): Promise<T> {
  return withGroupNodes(group, context, options, async (nodes) => work(await nodes.members()));
}
