// Quorum approval from the command line (issue 11, D25), with the real `strongroom` binary on a
// passphrase installation: custodians made by `custodian keygen` and by openssl, a key marked
// 2-of-3, approval requests written on the installation and signed offline, and the guarded
// operations run with --approvals. Refusals (too few, replayed, expired, other input,
// non-custodian) are AccessDeniedException naming the custodians, and everything is audited.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliRun, expectOk } from '../support/cli.ts';
import { tempDir } from '../support/engine.ts';

const ok = (r: CliRun): Record<string, unknown> => expectOk(r, { allowStderr: true });


const env = { STRONGROOM_PASSPHRASE: 'quorum test passphrase' };

function denied(r: CliRun, operation: string): string {
  expect(r.code, r.stdout).toBe(1);
  const m = new RegExp(`^An error occurred \\(AccessDeniedException\\) when calling the ${operation}: (.*)\\n$`).exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return m?.[1] ?? '';
}

describe('strongroom custodian, quorum and approval', () => {
  let dir: string;
  let work: string;
  let keyId: string;
  let keyArn: string;
  const run = (...args: Array<string>) => cli(dir, args, { env, cwd: work });
  /** approval sign, offline: no installation at this data directory. */
  const sign = (name: string, request: string, out: string) =>
    cli(join(work, 'no-installation-here'), ['approval', 'sign', '--request', request, '--key', `${name}.key`, '--out', out, '--yes'], { cwd: work });
  const request = (operation: string, input: unknown, out: string, ...more: Array<string>) =>
    ok(run('approval', 'request', operation, '--input', JSON.stringify(input), '--out', out, ...more));

  beforeAll(() => {
    dir = tempDir('strongroom-cli-quorum-');
    work = tempDir('strongroom-cli-quorum-work-');
    ok(run('init', '--root-key', 'passphrase', '--account-id', '444455556666', '--developer'));
    for (const name of ['alice', 'bob', 'mallory']) {
      const made = ok(cli(join(work, 'none'), ['custodian', 'keygen', '--name', name, '--out', `${name}.key`, '--public-out', `${name}.pub.pem`], { cwd: work }));
      expect(made.Fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(made.PublicKey).toContain('BEGIN PUBLIC KEY');
      expect(statSync(join(work, `${name}.key`)).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(work, `${name}.key`), 'utf8')).toContain('BEGIN PRIVATE KEY');
    }
    // carol's key is made by openssl, as the issue describes.
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(work, 'carol.key')]);
    execFileSync('openssl', ['pkey', '-in', join(work, 'carol.key'), '-pubout', '-out', join(work, 'carol.pub.pem')]);
    for (const name of ['alice', 'bob', 'carol']) {
      const added = ok(run('custodian', 'add', '--name', name, '--public-key', `${name}.pub.pem`)) as { Custodian: { Name: string; Fingerprint: string } };
      expect(added.Custodian.Name).toBe(name);
    }
    const created = ok(run('create-key', '--description', 'quorum key')) as { KeyMetadata: { KeyId: string; Arn: string } };
    keyId = created.KeyMetadata.KeyId;
    keyArn = created.KeyMetadata.Arn;
    const set = ok(run('quorum', 'set', '--key-id', keyId, '--threshold', '2', '--custodians', 'alice,bob,carol')) as { QuorumRule: { Threshold: number; Custodians: Array<string> } };
    expect(set.QuorumRule).toMatchObject({ KeyArn: keyArn, Threshold: 2, Custodians: ['alice', 'bob', 'carol'] });
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('refuses deletion with 1 of 2 approvals, proceeds with 2 (one from an openssl key), and refuses the approvals replayed', () => {
    const made = request('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 }, 'del.req.json');
    expect(made).toMatchObject({ Operation: 'ScheduleKeyDeletion', KeyId: keyArn });
    const signed = sign('alice', 'del.req.json', 'alice.del.json');
    expect(signed.code, signed.stderr).toBe(0);
    // The custodian is shown what they sign, in plain words, before signing.
    expect(signed.stderr).toContain(`You are approving ONE ScheduleKeyDeletion call, to schedule key ${keyArn} for DELETION after 7 days.`);
    expect(signed.stderr).toContain('PendingWindowInDays: 7');
    expect(sign('carol', 'del.req.json', 'carol.del.json').code).toBe(0);

    expect(denied(run('schedule-key-deletion', '--key-id', keyId, '--pending-window-in-days', '7'), 'ScheduleKeyDeletion operation')).toContain(
      `ScheduleKeyDeletion on key ${keyArn} needs 2 of 3 custodian approvals (alice, bob, carol); no approvals were given.`,
    );
    expect(denied(run('schedule-key-deletion', '--key-id', keyId, '--pending-window-in-days', '7', '--approvals', 'alice.del.json'), 'ScheduleKeyDeletion operation')).toBe(
      `ScheduleKeyDeletion on key ${keyArn} needs 2 of 3 custodian approvals (alice, bob, carol); 1 valid approval given (alice).`,
    );
    const done = ok(run('schedule-key-deletion', '--key-id', keyId, '--pending-window-in-days', '7', '--approvals', 'alice.del.json', 'carol.del.json'));
    expect(done).toMatchObject({ KeyState: 'PendingDeletion', PendingWindowInDays: 7 });

    ok(run('cancel-key-deletion', '--key-id', keyId));
    const replay = denied(run('schedule-key-deletion', '--key-id', keyId, '--pending-window-in-days', '7', '--approvals', 'alice.del.json', 'carol.del.json'), 'ScheduleKeyDeletion operation');
    expect(replay).toContain('0 valid approvals given.');
    expect(replay).toContain("alice's approval was already used");
    expect(replay).toContain("carol's approval was already used");

    const audit = run('audit', 'query', '--event-name', 'ScheduleKeyDeletion');
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toContain('"approvedBy"');
    expect(audit.stdout).toMatch(/"approvedBy":\s*\[\s*"alice",\s*"carol"\s*\]/);
    expect(audit.stdout).toContain('AccessDeniedException');
  });

  it('refuses an approval for a different input, and one by a key that is not a custodian', () => {
    request('ScheduleKeyDeletion', { KeyId: keyArn, PendingWindowInDays: 7 }, 'seven.req.json');
    request('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 10 }, 'ten.req.json');
    expect(sign('alice', 'ten.req.json', 'alice.ten.json').code).toBe(0);
    expect(sign('bob', 'seven.req.json', 'bob.seven.json').code).toBe(0);
    expect(sign('mallory', 'ten.req.json', 'mallory.ten.json').code).toBe(0);
    const msg = denied(run('schedule-key-deletion', '--key-id', keyId, '--pending-window-in-days', '10', '--approvals', 'alice.ten.json', 'bob.seven.json', 'mallory.ten.json'), 'ScheduleKeyDeletion operation');
    expect(msg).toContain('1 valid approval given (alice).');
    expect(msg).toContain("bob's approval is for a different request: PendingWindowInDays is 7 in the approval but 10 in this call.");
    expect(msg).toMatch(/approval 3 is signed by a key that is not a registered custodian's \(SHA256:/);
  });

  it('refuses an expired approval once the (developer) clock has passed its expiry', () => {
    request('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 8 }, 'short.req.json', '--expires-in', '1h');
    expect(sign('alice', 'short.req.json', 'alice.short.json').code).toBe(0);
    expect(sign('bob', 'short.req.json', 'bob.short.json').code).toBe(0);
    ok(run('dev', 'clock', 'advance', '2h'));
    const msg = denied(run('schedule-key-deletion', '--key-id', keyId, '--pending-window-in-days', '8', '--approvals', 'alice.short.json', 'bob.short.json'), 'ScheduleKeyDeletion operation');
    expect(msg).toMatch(/alice's approval expired at \S+\./);
  });

  it('guards DisableKey and PutKeyPolicy', () => {
    ok(run('enable-key', '--key-id', keyId));
    denied(run('disable-key', '--key-id', keyId), 'DisableKey operation');
    request('DisableKey', { KeyId: keyId }, 'disable.req.json');
    expect(sign('bob', 'disable.req.json', 'bob.disable.json').code).toBe(0);
    expect(sign('carol', 'disable.req.json', 'carol.disable.json').code).toBe(0);
    ok(run('disable-key', '--key-id', keyId, '--approvals', 'bob.disable.json', 'carol.disable.json'));
    expect((ok(run('describe-key', '--key-id', keyId)) as { KeyMetadata: { KeyState: string } }).KeyMetadata.KeyState).toBe('Disabled');

    const policy = JSON.stringify({ Version: '2012-10-17', Id: 'quorum-approved', Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'kms:*', Resource: '*' }] });
    writeFileSync(join(work, 'policy.json'), policy);
    expect(denied(run('put-key-policy', '--key-id', keyId, '--policy', 'file://policy.json'), 'PutKeyPolicy operation')).toContain('PutKeyPolicy on key');
    request('PutKeyPolicy', { KeyId: keyId, Policy: policy }, 'policy.req.json');
    const shown = sign('alice', 'policy.req.json', 'alice.policy.json');
    expect(shown.stderr).toContain(`REPLACE the key policy of key ${keyArn}`);
    expect(shown.stderr).toContain('"Sid":"Root"');
    expect(sign('bob', 'policy.req.json', 'bob.policy.json').code).toBe(0);
    ok(run('put-key-policy', '--key-id', keyId, '--policy', 'file://policy.json', '--approvals', 'alice.policy.json', 'bob.policy.json'));
    expect(run('get-key-policy', '--key-id', keyId, '--query', 'Policy', '--output', 'text').stdout).toContain('quorum-approved');
  });

  it('needs approvals to change or clear the rule; custodians named in a rule cannot be removed', () => {
    expect(denied(run('quorum', 'set', '--key-id', keyId, '--threshold', '1', '--custodians', 'alice'), 'quorum command')).toContain(
      `SetQuorumRule on key ${keyArn} needs 2 of 3 custodian approvals (alice, bob, carol); no approvals were given.`,
    );
    expect(denied(run('quorum', 'clear', '--key-id', keyId), 'quorum command')).toContain('ClearQuorumRule on key');
    expect(run('custodian', 'remove', '--name', 'carol').stderr).toContain('ConflictException');

    request('SetQuorumRule', { KeyId: keyId, Threshold: 1, Custodians: ['alice', 'bob'] }, 'rule.req.json');
    const shown = sign('carol', 'rule.req.json', 'carol.rule.json');
    expect(shown.stderr).toContain(`change the quorum rule of key ${keyArn} to 1 of alice, bob`);
    expect(sign('alice', 'rule.req.json', 'alice.rule.json').code).toBe(0);
    ok(run('quorum', 'set', '--key-id', keyId, '--threshold', '1', '--custodians', 'alice,bob', '--approvals', 'carol.rule.json', 'alice.rule.json'));
    expect(ok(run('quorum', 'show', '--key-id', keyId))).toMatchObject({ QuorumRule: { Threshold: 1, Custodians: ['alice', 'bob'] } });
    const list = ok(run('custodian', 'list')) as { Custodians: Array<{ Name: string; QuorumKeys: Array<string> }> };
    expect(list.Custodians.map((c) => [c.Name, c.QuorumKeys.length])).toEqual([['alice', 1], ['bob', 1], ['carol', 0]]);
    ok(run('custodian', 'remove', '--name', 'carol'));

    request('ClearQuorumRule', { KeyId: keyId }, 'clear.req.json');
    expect(sign('bob', 'clear.req.json', 'bob.clear.json').code).toBe(0);
    ok(run('quorum', 'clear', '--key-id', keyId, '--approvals', 'bob.clear.json'));
    expect(ok(run('quorum', 'show', '--key-id', keyId))).toEqual({ QuorumRule: null });
    ok(run('enable-key', '--key-id', keyId));
    ok(run('disable-key', '--key-id', keyId));

    const audit = run('audit', 'query', '--event-name', 'SetQuorumRule');
    expect(audit.stdout).toContain('AccessDeniedException');
    // Approvers in the order the approval files were given.
    expect(audit.stdout).toMatch(/"approvedBy":\s*\[\s*"carol",\s*"alice"\s*\]/);
    expect(ok(run('audit', 'verify'))).toMatchObject({ Intact: true });
  });

  it('approval sign refuses to sign unread (no --yes and no terminal), and approval requests need a guarded operation', () => {
    request('DisableKey', { KeyId: keyId }, 'unread.req.json');
    const r = cli(join(work, 'none'), ['approval', 'sign', '--request', 'unread.req.json', '--key', 'alice.key', '--out', 'alice.unread.json'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('You are approving ONE DisableKey call');
    expect(r.stderr).toContain('add --yes to sign it');
    const bad = run('approval', 'request', 'Encrypt', '--input', JSON.stringify({ KeyId: keyId }), '--out', 'enc.req.json');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Encrypt is not an operation a quorum rule guards');
    expect(run('schedule-key-deletion', '--help').stdout).toContain('--approvals');
  });
  it('engine refusals say what is wrong; the CLI adds the command that fixes it', () => {
    const twice = run('custodian', 'add', '--name', 'alice', '--public-key', 'mallory.pub.pem');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toBe(
      "An error occurred (AlreadyExistsException) when calling the custodian command: A custodian named 'alice' already exists. Remove it first to register another key under that name. (`strongroom custodian remove --name alice` removes the one registered)\n",
    );
    const other = ok(run('create-key', '--description', 'no rule yet')) as { KeyMetadata: { KeyId: string } };
    const unknown = run('quorum', 'set', '--key-id', other.KeyMetadata.KeyId, '--threshold', '1', '--custodians', 'alice,zed');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/\(NotFoundException\).*: Not custodians of this installation: zed\. Register them first\. \(`strongroom custodian add --name <name> --public-key <file>` registers one\)\n$/);
  });
});
