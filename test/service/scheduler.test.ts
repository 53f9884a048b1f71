import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDue } from '../../src/service/scheduler.js';

const now = new Date('2026-11-29T12:00:00.000Z');
const startedAt = (secondsAgo: number) => ({ startedAt: new Date(now.getTime() - secondsAgo * 1000).toISOString() });

test('a manual group is never due', () => {
  assert.equal(isDue(null, null, now), false);
  assert.equal(isDue(null, startedAt(86_400), now), false);
});

test('a scheduled group is due before its first run', () => {
  assert.equal(isDue({ intervalSeconds: 3600 }, null, now), true);
});

test('a scheduled group is due once its interval has passed since the last run started, not before', () => {
  assert.equal(isDue({ intervalSeconds: 300 }, startedAt(299), now), false);
  assert.equal(isDue({ intervalSeconds: 300 }, startedAt(300), now), true);
  assert.equal(isDue({ intervalSeconds: 300 }, startedAt(301), now), true);
});
