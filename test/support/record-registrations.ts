import { installFunctionsCore } from './functions-core-stub.js';

/**
 * Import this first in a test file that registers functions: ES modules are evaluated in import
 * order, so the stand-in is in place before any later import loads @azure/functions.
 */
export const core = installFunctionsCore();
