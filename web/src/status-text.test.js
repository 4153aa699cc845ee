import { it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStatus } from './status-text.js';

it('says each status in words as well as colour', () => {
  assert.deepEqual(describeStatus({ status: 'connected' }), { tone: 'green', spinner: false, text: 'Connected' });
  assert.deepEqual(describeStatus({ status: 'reconnecting', attempt: 3, nextDelayMs: 4000 }),
    { tone: 'yellow', spinner: true, text: 'Reconnecting — attempt 3, next try in 4 s' });
  assert.equal(describeStatus({ status: 'reconnecting', attempt: 1, nextDelayMs: 999 }).text, 'Reconnecting — attempt 1, next try in 1 s');
  assert.equal(describeStatus({ status: 'disconnected', reason: 'gave_up' }).text, 'Disconnected — gave up');
  assert.equal(describeStatus({ status: 'disconnected', reason: 'unauthorized' }).tone, 'red');
  assert.equal(describeStatus({ status: 'disconnected', reason: 'offline' }).text, 'Disconnected — offline');
  assert.equal(describeStatus(undefined).text, 'Disconnected');
});
