import type { TableClient } from '@azure/data-tables';
import type { Page, PageRequest } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import { escapeKey } from './table-keys.js';
import { TableRecords, type Revised } from './table-records.js';

/** A definition as stored, with the etag its next conditional write must name. */
export interface StoredDefinition<D> {
  readonly definition: D;
  /** Opaque; changes with every write. */
  readonly etag: string;
}

/**
 * Named definitions (sync groups, export profiles) in one table, listed by name, every write
 * under optimistic concurrency so two API calls editing one definition cannot both win.
 */
export class TableDefinitions<D extends { readonly name: string }> {
  private readonly records: TableRecords<D>;

  /** `kind` names a definition in messages: "group", "export profile". */
  constructor(
    client: TableClient,
    ready: () => Promise<void>,
    private readonly partition: string,
    private readonly kind: string,
  ) {
    this.records = new TableRecords(client, { timeKey: (definition) => escapeKey(definition.name), descending: false }, ready);
  }

  /**
   * With `ifMatch`, only over the stored etag (null: only when there is none), otherwise
   * HS_PRECONDITION_FAILED naming the definition.
   */
  async put(definition: D, ifMatch?: string | null): Promise<StoredDefinition<D>> {
    const etag = await this.records.write(this.partition, definition.name, (stored) => {
      if (ifMatch !== undefined && (stored?.revision ?? null) !== ifMatch) {
        const reason = stored === null ? 'does not exist' : ifMatch === null ? 'already exists' : 'was changed since it was read';
        throw new HubsyncError(ErrorCode.PreconditionFailed, `${this.kind} "${definition.name}" ${reason}`);
      }
      return definition;
    });
    return { definition, etag };
  }

  async get(name: string): Promise<StoredDefinition<D> | null> {
    const stored = await this.records.get(this.partition, name);
    return stored === null ? null : withEtag(stored);
  }

  async list(page?: PageRequest): Promise<Page<StoredDefinition<D>>> {
    const listed = await this.records.list(this.partition, page);
    return { items: listed.items.map(withEtag), continuationToken: listed.continuationToken };
  }

  delete(name: string): Promise<boolean> {
    return this.records.delete(this.partition, name);
  }
}

function withEtag<D>(stored: Revised<D>): StoredDefinition<D> {
  return { definition: stored.value, etag: stored.revision };
}
