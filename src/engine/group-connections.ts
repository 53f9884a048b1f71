import type { EngineContext } from './engine-context.js';
import type { MemberDefinition, SyncGroup } from './group.js';
import type { Provider } from './provider.js';
import type { TableInfo } from './types.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { assertDistinctDatabases } from './distinct-databases.js';
import { MemberTableNames, memberTablesView } from './member-tables-view.js';

export interface ConnectedMember {
  readonly definition: MemberDefinition;
  readonly provider: Provider;
  /** The member's tables as its catalogue describes them, read once per session. */
  catalogue(): Promise<TableInfo[]>;
}

/**
 * The group's databases, each opened on first use and kept open until `close`: a step that
 * touches one member opens only that member.
 */
export class GroupNodes {
  private readonly opened = new Map<string, Promise<Provider>>();
  /** Members opened by `openMembersEarly`: null where that could not be done. */
  private readonly early = new Map<string, Promise<Provider | null>>();
  private readonly catalogues = new Map<string, Promise<TableInfo[]>>();
  private distinct: Promise<void> | undefined;

  constructor(
    readonly group: SyncGroup,
    private readonly context: EngineContext,
    private readonly options: { readonly create: boolean },
  ) {}

  hub(): Promise<Provider> {
    return this.open(this.group.hub.name, () => this.context.openProvider(this.group.hub, { create: false }));
  }

  /**
   * Starts opening every member and reading its catalogue while the caller reads the hub's: a
   * run with nothing to do is mostly these round trips, and one after another they would add up.
   * Nothing is created here (a member whose database is still to be created opens, as usual,
   * when `member` asks for it after the plan passed), and a failure is left for `member` to meet:
   * it tries again, so a member that cannot be reached is tried twice before the run fails.
   */
  openMembersEarly(): void {
    for (const definition of this.group.members) {
      const early = this.connect(definition, { create: false }).catch(() => null);
      this.early.set(definition.name, early);
      void early.then((provider) => (provider === null ? undefined : this.catalogueOf(definition.name, provider).catch(() => undefined)));
    }
  }

  async member(name: string): Promise<ConnectedMember> {
    const definition = this.group.members.find((member) => member.name === name);
    if (!definition) throw new HubsyncError(ErrorCode.NotFound, `group "${this.group.name}" has no member "${name}"`);
    const provider = await this.open(name, async () => (await this.early.get(name)) ?? this.connect(definition, this.options));
    return { definition, provider, catalogue: () => this.catalogueOf(name, provider) };
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
    const providers = await Promise.allSettled([...this.opened.values(), ...this.early.values()]);
    this.opened.clear();
    this.early.clear();
    const open = new Set(providers.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value !== null ? [outcome.value] : [])));
    await closeAll([...open]);
  }

  private async connect(definition: MemberDefinition, options: { readonly create: boolean }): Promise<Provider> {
    // Before any member is opened, which could create its file: a group whose nodes share a
    // database is refused, and so is a table the member cannot hold under its name.
    const tableNames = new MemberTableNames(this.group, definition);
    this.distinct ??= assertDistinctDatabases(this.group, this.context);
    await this.distinct;
    return memberTablesView(tableNames, await this.context.openProvider(definition, options));
  }

  private catalogueOf(name: string, provider: Provider): Promise<TableInfo[]> {
    let catalogue = this.catalogues.get(name);
    if (catalogue === undefined) {
      catalogue = provider.introspect();
      this.catalogues.set(name, catalogue);
      catalogue.catch(() => this.catalogues.delete(name));
    }
    return catalogue;
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
