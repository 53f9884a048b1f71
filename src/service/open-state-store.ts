import type { StateStore } from '../engine/state-store.js';
import { ErrorCode, HubsyncError } from '../errors.js';
import type { ServiceSettings } from './settings.js';

// PLACEHOLDER for the lead: the Table storage state store (branch state-store) is not in this
// branch yet. Replace this body with opening it from `settings.stateConnection`.
export async function openServiceStateStore(settings: ServiceSettings): Promise<StateStore> {
  throw new HubsyncError(
    ErrorCode.NotImplemented,
    `the Table storage state store is not part of this build yet (state connection: ${settings.stateConnection.kind})`,
  );
}
