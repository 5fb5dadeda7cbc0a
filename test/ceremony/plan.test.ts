// The ceremony plan's schema (electron/kms/ceremony/plan.ts): one schema in the shared schema
// language; every problem is a ValidationException naming its JSON path, all of them at once.
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../electron/kms/ceremony/plan.ts';

const good = {
  Installation: { AccountId: '123456789012', Region: 'eu-west-1', RootKeyProvider: 'passphrase' },
  Custodians: [
    { Name: 'alice', PublicKeyFile: 'alice.pub.pem' },
    { Name: 'bob', Generate: true },
  ],
  Keys: [{ Alias: 'alias/payments', KeySpec: 'SYMMETRIC_DEFAULT', Quorum: { Threshold: 2, Custodians: ['alice', 'bob'] } }],
  Backup: { Shares: 2, Threshold: 2, Assignments: [{ Index: 1, Custodian: 'alice', Seal: true }, { Index: 2, Custodian: 'bob' }] },
};

function problem(plan: unknown): string {
  try {
    parsePlan(JSON.stringify(plan), '/plans/ceremony.json');
  } catch (err) {
    expect((err as Error).name).toBe('ValidationException');
    return (err as Error).message;
  }
  throw new Error('the plan was accepted');
}

const withChange = (change: (p: Record<string, unknown> & typeof good) => void): unknown => {
  const copy = structuredClone(good) as Record<string, unknown> & typeof good;
  change(copy);
  return copy;
};

describe('the ceremony plan schema', () => {
  it('accepts a good plan and resolves key files against the plan file’s folder', () => {
    const plan = parsePlan(JSON.stringify(good), '/plans/ceremony.json');
    expect(plan.baseDir).toBe('/plans');
    expect(plan.Custodians.map((c) => c.Name)).toEqual(['alice', 'bob']);
  });

  it('names the JSON path of wrong types, missing members and broken constraints', () => {
    expect(problem({ ...good, Installation: undefined })).toBe(
      "The ceremony plan /plans/ceremony.json is not valid: 1 validation error detected: Value null at 'installation' failed to satisfy constraint: Member must not be null",
    );
    expect(problem(withChange((p) => Object.assign(p.Backup, { Shares: '5' })))).toBe("The ceremony plan /plans/ceremony.json is not valid: Expected an integer at 'backup.shares', got string.");
    const several = problem(
      withChange((p) => {
        p.Installation.RootKeyProvider = 'hsm';
        p.Installation.AccountId = '12';
        (p.Custodians[1] as { Name: string }).Name = 'no spaces allowed';
        (p.Keys[0] as { KeySpec: string }).KeySpec = 'AES_999';
      }),
    );
    expect(several).toMatch(/^The ceremony plan \/plans\/ceremony\.json is not valid: 4 validation errors detected: /);
    expect(several).toContain("Value 'hsm' at 'installation.rootKeyProvider' failed to satisfy constraint: Member must satisfy enum value set: [keychain, passphrase]");
    expect(several).toContain("Value '12' at 'installation.accountId' failed to satisfy constraint: Member must satisfy regular expression pattern");
    expect(several).toContain("at 'custodians.2.member.name'");
    expect(several).toContain("Value 'AES_999' at 'keys.1.member.keySpec'");
  });

  it('checks what the schema cannot: names that exist, one key source, thresholds, shares 1..N each assigned once', () => {
    const message = problem(
      withChange((p) => {
        p.Custodians.push({ Name: 'alice', PublicKeyFile: 'x.pem', Generate: true } as never);
        p.Keys[0]?.Quorum.Custodians.push('zed');
        Object.assign(p.Backup, { Threshold: 3, Assignments: [{ Index: 1, Custodian: 'carol' }, { Index: 1, Custodian: 'bob' }] });
      }),
    );
    expect(message).toMatch(/^The ceremony plan \/plans\/ceremony\.json is not valid: 7 validation errors detected: /);
    expect(message).toContain("at 'custodians.3.member.name': the custodian name 'alice' is used twice");
    expect(message).toContain("at 'custodians.3.member': give exactly one of publicKeyFile (their Ed25519 public key, PEM) and generate: true for custodian 'alice'");
    expect(message).toContain("at 'keys.1.member.quorum.custodians.3.member': no custodian named 'zed' in this plan (custodians: alice, bob)");
    expect(message).toContain("at 'backup.threshold': a threshold of 3 needs at least 3 shares, not 2");
    expect(message).toContain("at 'backup.assignments.1.member.custodian': no custodian named 'carol'");
    expect(message).toContain("at 'backup.assignments.2.member.index': share 1 is assigned twice (to carol and bob)");
    expect(message).toContain("at 'backup.assignments': every share needs a custodian to hold and re-enter it; unassigned: 2");
  });

  it('refuses members the schema does not know, so a misspelt optional member does not pass silently', () => {
    const message = problem(
      withChange((p) => {
        Object.assign(p.Keys[0] ?? {}, { Exportible: true });
        Object.assign(p, { Comment: 'x' });
      }),
    );
    expect(message).toBe(
      "The ceremony plan /plans/ceremony.json is not valid: 2 validation errors detected: at 'keys.1.member.exportible': unknown member 'Exportible' (expected one of Alias, KeySpec, KeyUsage, Description, Exportable, Quorum); at 'comment': unknown member 'Comment' (expected one of Installation, Custodians, Keys, Backup)",
    );
  });

  it('reports a file that is not JSON, or not an object', () => {
    expect(() => parsePlan('{ "Installation": ', 'p.json')).toThrow(/^The ceremony plan p\.json is not JSON: /);
    expect(() => parsePlan('[]', 'p.json')).toThrow('The ceremony plan p.json is not valid: expected a JSON object with Installation, Custodians, Keys and Backup.');
  });
});
