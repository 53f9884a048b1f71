import { ErrorCode, HubsyncError } from '../errors.js';

/** What the service accepts as a node's connection: a name, never the secret itself. */
export type ConnectionReference =
  | { readonly kind: 'keyvault'; readonly name: string }
  | { readonly kind: 'env'; readonly name: string };

// Key Vault's own rule for secret names.
const secretName = /^[A-Za-z0-9-]{1,127}$/;
// Names an app setting can have in every host (Linux App Service turns other characters into '_').
const settingName = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const acceptedReferenceForms =
  "keyvault:<secret-name> (1-127 letters, digits and '-') or env:<SETTING> (letters, digits and '_')";

/**
 * Parses a connection reference for the service, which refuses anything else so that a literal
 * connection string is rejected before it is stored. `subject` names where the text came from
 * (`member "store1"`); the text itself is never put in the error, as it may be a connection string.
 */
export function parseConnectionReference(text: string, subject = 'the connection'): ConnectionReference {
  const [kind, name] = splitPrefix(text);
  if (kind === 'keyvault' && secretName.test(name)) return { kind, name };
  if (kind === 'env' && settingName.test(name)) return { kind, name };
  throw new HubsyncError(
    ErrorCode.ConnectionReferenceInvalid,
    `${subject} must be a reference, ${acceptedReferenceForms}; connection strings are kept in Key Vault, not given to the service`,
  );
}

function splitPrefix(text: string): [string, string] {
  const separator = text.indexOf(':');
  return separator < 0 ? ['', text] : [text.slice(0, separator), text.slice(separator + 1)];
}
