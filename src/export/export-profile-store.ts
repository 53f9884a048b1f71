import type { Page, PageRequest } from '../engine/state-store.js';
import type { ExportProfile } from './export-profile.js';

/** A profile as the service keeps it: the validated profile, whether the timer runs it, and when it was last changed. */
export interface ProfileDefinition {
  readonly name: string;
  readonly profile: ExportProfile;
  /** Active profiles are run by the scheduling timer when their schedule is due; inactive ones keep their positions. */
  readonly active: boolean;
  readonly updatedAt: string;
}

export interface StoredProfile {
  readonly definition: ProfileDefinition;
  /** Changes with every write; the service's read-modify-writes are conditional on it. */
  readonly etag: string;
}

/** Where the service stores export profile definitions (Table storage, beside the sync group definitions). */
export interface ExportProfileStore {
  /**
   * Create or replace a definition. With `ifMatch`, only when the stored etag is that value (null:
   * only when there is none); otherwise HS_PRECONDITION_FAILED.
   */
  putProfile(definition: ProfileDefinition, ifMatch?: string | null): Promise<StoredProfile>;
  getProfile(name: string): Promise<StoredProfile | null>;
  /** By name. */
  listProfiles(page?: PageRequest): Promise<Page<StoredProfile>>;
  deleteProfile(name: string): Promise<boolean>;
}
