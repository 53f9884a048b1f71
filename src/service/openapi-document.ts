import { readFile } from 'node:fs/promises';

/** The repository's openapi.json, three folders up from dist/src/service/ (deployed beside host.json). */
const documentUrl = new URL('../../../openapi.json', import.meta.url);
let document: Promise<unknown> | null = null;

export function readOpenApiDocument(): Promise<unknown> {
  document ??= readFile(documentUrl, 'utf8').then((text) => JSON.parse(text) as unknown);
  return document;
}
