// Custody wording: store states and connection error codes in plain words, the create-store
// form's checks, and the CLI steps shown for a guarded call.

import { describe, expect, it } from 'vitest';
import { CONNECTION_ERROR_CODES } from '../../shared/api/operations.ts';
import { approvalCommands, connectionErrorWords, storeFormProblems, storeStateWords } from '../../renderer/src/lib/custody.ts';

describe('custody wording', () => {
  it('names every connection state and error code in words, never the raw code alone', () => {
    expect(storeStateWords('CONNECTED')).toEqual({ text: 'Connected', tone: 'ok' });
    expect(storeStateWords('FAILED')).toEqual({ text: 'Connection failed', tone: 'problem' });
    expect(storeStateWords('DISCONNECTED').text).toBe('Disconnected');
    expect(connectionErrorWords(undefined)).toBeNull();
    expect(connectionErrorWords('INVALID_CREDENTIALS')).toMatch(/refused the PIN/);
    expect(connectionErrorWords('CLUSTER_NOT_FOUND')).toMatch(/module path and the token label/);
    for (const code of CONNECTION_ERROR_CODES) {
      const words = connectionErrorWords(code) ?? '';
      expect(words).not.toContain('_');
      expect(words.length).toBeGreaterThan(5);
    }
  });

  it('checks the create-store form before sending it', () => {
    const good = { name: 'token', modulePath: '/usr/lib/softhsm/libsofthsm2.so', tokenLabel: 'strongroom', pin: '1234' };
    expect(storeFormProblems(good)).toEqual([]);
    expect(storeFormProblems({ name: ' ', modulePath: '', tokenLabel: '', pin: '' })).toHaveLength(4);
    expect(storeFormProblems({ ...good, tokenLabel: 'x'.repeat(33) })).toEqual(['A PKCS#11 token label is at most 32 bytes.']);
    expect(storeFormProblems({ ...good, tokenLabel: 'é'.repeat(17) })).toHaveLength(1);
  });

  it('spells out the approval steps for a guarded call with the key ARN', () => {
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234';
    const steps = approvalCommands('ScheduleKeyDeletion', arn, 2);
    expect(steps).toContain(`strongroom approval request ScheduleKeyDeletion --input '{"KeyId":"${arn}","PendingWindowInDays":30}' --out request.json`);
    expect(steps).toContain('2 custodians');
    expect(steps).toContain('strongroom approval sign --request request.json');
    expect(steps).toContain(`strongroom schedule-key-deletion --key-id ${arn} --pending-window-in-days 30 --approvals`);
    expect(approvalCommands('DisableKey', arn, 1)).toContain(`strongroom disable-key --key-id ${arn} --approvals`);
    expect(approvalCommands('PutKeyPolicy', arn, 1)).toContain('put-key-policy');
    expect(approvalCommands('ExportKeyMaterial', arn, 1)).toContain('strongroom export-key');
  });
});
