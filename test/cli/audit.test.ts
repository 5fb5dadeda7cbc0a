// `strongroom audit …` end to end through the real binary: a developer installation with a
// passphrase root key, records made by the owner and by a user (--as), a retargeted alias and a
// moved clock; then every query filter, bad input, verify (of the live log, with external
// checkpoints, and of exports), public-key, checkpoints, export in each layout, import into a
// workspace with only public keys, sources, workspace queries, and archive.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../electron/kms/store/database.ts';
import { cli, STRONGROOM_BIN, type CliRun, expectOk, expectAwsError, expectUsageError } from '../support/cli.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const ok = expectOk;
const awsError = (r: CliRun, name: string): string => expectAwsError(r, name, 'audit');
const usageError = expectUsageError;

const env = { STRONGROOM_PASSPHRASE: 'cli audit test passphrase' };
const ACCOUNT = '444455556666';
const ACCOUNT_B = '777788889999';

type Rec = { eventName: string; eventTime: string; requestID: string; errorCode?: string; userIdentity: { arn: string }; resources: Array<{ ARN: string }>; requestParameters: Record<string, unknown> | null };
type Page = { Records: Array<{ Seq: number; InstallationId?: string; Record: Rec }>; NextToken?: string };

/** Every directory this file makes, removed at the end. */
const tempDir = tempDirsRemovedAfterAll();

const keyOf = (r: Rec, i = 0): string => r.resources[i]?.ARN.split('/').pop() ?? '-';

/** cli() without waiting: independent read-only commands run side by side. */
function runAsync(dataDir: string, args: ReadonlyArray<string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STRONGROOM_BIN, ...args], { env: { ...process.env, STRONGROOM_DATA_DIR: dataDir, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> }));
  });
}

describe('strongroom audit from the command line', () => {
  let dir: string;
  let dirB: string;
  let k1: string;
  let k2: string;
  /** The developer clock before and after `dev clock advance 1d`. */
  let moved: { before: number; after: number };
  const run = (...args: Array<string>): CliRun => cli(dir, args, { env });
  const query = (...args: Array<string>): Page => ok(run('audit', 'query', '--max-results', '1000', ...args)) as Page;
  /** Several queries at once; each result's records. */
  const queries = async <T extends ReadonlyArray<ReadonlyArray<string>>>(...argLists: T): Promise<{ [K in keyof T]: Page['Records'] }> =>
    (await Promise.all(argLists.map((args) => runAsync(dir, ['audit', 'query', '--max-results', '1000', ...args])))).map((r) => (ok(r) as Page).Records) as { [K in keyof T]: Page['Records'] };
  const pem = (): string => join(dir, 'audit-public.pem');

  beforeAll(() => {
    dir = tempDir('strongroom-cli-audit-');
    const init = run('init', '--root-key', 'passphrase', '--developer', '--account-id', ACCOUNT);
    expect(init.code, init.stderr).toBe(0);
    ok(run('create-user', '--user-name', 'alice'));
    ok(run('put-user-policy', '--user-name', 'alice', '--policy-name', 'use', '--policy-document', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:DescribeKey'], Resource: '*' }] })));
    k1 = String((ok(run('create-key', '--description', 'one')).KeyMetadata as { KeyId: string }).KeyId);
    k2 = String((ok(run('create-key', '--description', 'two')).KeyMetadata as { KeyId: string }).KeyId);
    ok(run('create-alias', '--alias-name', 'alias/app', '--target-key-id', k1));
    ok(run('encrypt', '--key-id', 'alias/app', '--plaintext', 'b25l'));
    ok(run('encrypt', '--key-id', k2, '--plaintext', 'dHdv'));
    ok(run('encrypt', '--key-id', 'alias/app', '--plaintext', 'YWxpY2U=', '--as', 'alice'));
    expect(run('describe-key', '--key-id', 'alias/nope').code).toBe(1);
    expect(run('disable-key', '--key-id', k1, '--as', 'alice').stderr).toContain('(AccessDeniedException)');
    const advanced = ok(run('dev', 'clock', 'advance', '1d'));
    moved = { before: Date.parse(String(advanced.PreviousTime)), after: Date.parse(String(advanced.Now)) };
    ok(run('update-alias', '--alias-name', 'alias/app', '--target-key-id', k2));
    ok(run('encrypt', '--key-id', 'alias/app', '--plaintext', 'dGhyZWU='));
    ok(run('encrypt', '--key-id', k1, '--plaintext', 'Zm91cg=='));
  });

  it('--event-name, --error-code, --outcome', async () => {
    const [encrypts, notFound, denied, failures, successes, failedDescribes] = await queries(
      ['--event-name', 'Encrypt'],
      ['--error-code', 'NotFoundException'],
      ['--error-code', 'AccessDeniedException'],
      ['--outcome', 'failure'],
      ['--outcome', 'success'],
      ['--outcome', 'Failure', '--event-name', 'DescribeKey'],
    );
    expect(encrypts).toHaveLength(5);
    expect(encrypts.every((r) => r.Record.eventName === 'Encrypt')).toBe(true);
    // Newest first.
    expect(encrypts.map((r) => r.Seq)).toEqual([...encrypts.map((r) => r.Seq)].sort((a, b) => b - a));
    expect(notFound.map((r) => r.Record.eventName)).toEqual(['DescribeKey']);
    expect(denied.map((r) => [r.Record.eventName, r.Record.userIdentity.arn])).toEqual([['DisableKey', `arn:aws:iam::${ACCOUNT}:user/alice`]]);
    expect(failures.map((r) => r.Record.errorCode).sort()).toEqual(['AccessDeniedException', 'NotFoundException']);
    expect(successes.length).toBeGreaterThan(10);
    expect(successes.every((r) => r.Record.errorCode === undefined)).toBe(true);
    expect(failedDescribes).toHaveLength(1);
  });

  it('--start-time and --end-time, as ISO-8601 and epoch seconds', async () => {
    const middle = moved.before + 12 * 3_600_000;
    const [after, before, all, encryptsAfter] = await queries(
      ['--start-time', new Date(middle).toISOString()],
      ['--end-time', String(Math.floor(middle / 1000))],
      [],
      ['--start-time', new Date(middle).toISOString(), '--end-time', new Date(moved.after + 3_600_000).toISOString(), '--event-name', 'Encrypt'],
    );
    expect(after.map((r) => r.Record.eventName).sort()).toEqual(['Encrypt', 'Encrypt', 'UpdateAlias']);
    expect(after.every((r) => Date.parse(r.Record.eventTime) >= middle)).toBe(true);
    expect(before.every((r) => Date.parse(r.Record.eventTime) <= middle)).toBe(true);
    // The AdvanceClock record is written at the time before the move.
    expect(before.map((r) => r.Record.eventName)).toContain('AdvanceClock');
    expect(after.length + before.length).toBe(all.length);
    expect(encryptsAfter).toHaveLength(2);
  });

  it('--key-id: a key id, a key ARN, and an alias as it was at each record’s time', async () => {
    const [byK1, byArn, alias, aliasArn, never] = await queries(
      ['--key-id', k1],
      ['--key-id', `arn:aws:kms:local-1:${ACCOUNT}:key/${k1}`],
      ['--key-id', 'alias/app'],
      ['--key-id', `arn:aws:kms:local-1:${ACCOUNT}:alias/app`, '--event-name', 'Encrypt'],
      ['--key-id', 'alias/never'],
    );
    expect(byK1.map((r) => r.Record.eventName).sort()).toEqual(['CreateAlias', 'CreateKey', 'DisableKey', 'Encrypt', 'Encrypt', 'Encrypt', 'UpdateAlias'].sort());
    expect(byArn.map((r) => r.Seq)).toEqual(byK1.map((r) => r.Seq));
    // alias/app named k1 until UpdateAlias, then k2. The direct Encrypt on k2 before the
    // retarget and the direct Encrypt on k1 after it are not the alias's. (Newest first:
    // alice's refused DisableKey on k1 came after her Encrypt through the alias.)
    const viaAlias = alias.map((r) => `${r.Record.eventName}:${keyOf(r.Record) === k1 ? 'k1' : 'k2'}`);
    expect(viaAlias).toEqual(['Encrypt:k2', 'UpdateAlias:k1', 'DisableKey:k1', 'Encrypt:k1', 'Encrypt:k1', 'CreateAlias:k1']);
    expect(aliasArn).toHaveLength(3);
    expect(never).toEqual([]);
  });

  it('--principal: a user name and a user ARN (records made with --as), and root', async () => {
    const [byName, byArn, root, bob, all] = await queries(['--principal', 'alice'], ['--principal', `arn:aws:iam::${ACCOUNT}:user/alice`], ['--principal', 'root'], ['--principal', 'bob'], []);
    expect(byName.map((r) => r.Record.eventName).sort()).toEqual(['DisableKey', 'Encrypt']);
    expect(byName.every((r) => r.Record.userIdentity.arn === `arn:aws:iam::${ACCOUNT}:user/alice`)).toBe(true);
    expect(byArn.map((r) => r.Seq)).toEqual(byName.map((r) => r.Seq));
    expect(root.every((r) => r.Record.userIdentity.arn === `arn:aws:iam::${ACCOUNT}:root`)).toBe(true);
    expect(root.length + byName.length).toBe(all.length);
    expect(bob).toEqual([]);
  });

  it('--request-id finds exactly that record', async () => {
    const [[target]] = await queries(['--event-name', 'UpdateAlias']);
    const [found] = await queries(['--request-id', target?.Record.requestID ?? '']);
    expect(found.map((r) => r.Seq)).toEqual([target?.Seq]);
  });

  it('--max-results and --next-token page through everything once', async () => {
    const [all] = await queries([]);
    const seen: Array<number> = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = ok(run('audit', 'query', '--max-results', '4', ...(token === undefined ? [] : ['--next-token', token]))) as Page;
      expect(page.Records.length).toBeLessThanOrEqual(4);
      seen.push(...page.Records.map((r) => r.Seq));
      token = page.NextToken;
      pages++;
    } while (token !== undefined && pages < 20);
    expect(seen).toEqual(all.map((r) => r.Seq));
    expect(pages).toBe(Math.ceil(all.length / 4));
  });

  it('bad input exits non-zero with the AWS error name or a usage message', async () => {
    const cases: ReadonlyArray<readonly [ReadonlyArray<string>, 'usage' | 'ValidationException', RegExp]> = [
      [['query', '--outcome', 'maybe'], 'ValidationException', /Value 'Maybe' at 'outcome' failed to satisfy constraint/],
      [['query', '--max-results', '0'], 'ValidationException', /'maxResults'.*greater than or equal to 1/],
      [['query', '--max-results', 'ten'], 'usage', /--max-results: invalid integer value: 'ten'/],
      [['query', '--next-token', 'not-a-token'], 'ValidationException', /NextToken is not a token an audit query returned/],
      [['query', '--start-time', 'not-a-time'], 'usage', /argument --start-time: 'not-a-time' is not a time/],
      [['query', '--start-time', '2030-01-02', '--end-time', '2030-01-01'], 'ValidationException', /StartTime is after EndTime/],
      [['query', '--event-name', 'Not A Name'], 'ValidationException', /eventName/],
      [['query', '--installation', 'x'], 'ValidationException', /Installation filters only an imported-logs workspace/],
      [['frobnicate'], 'usage', /audit: expected one of query, list, verify/],
      [['query', '--as', 'alice'], 'usage', /--as applies to KMS operations/],
      [['export', '--format', 'xml', '--out', join(dir, 'x.xml')], 'usage', /--format: invalid choice: 'xml'/],
      [['export'], 'usage', /required: --out/],
      [['archive', '--out', join(dir, 'x.jsonl')], 'usage', /required: --before/],
    ];
    const results = await Promise.all(cases.map(([args]) => runAsync(dir, ['audit', ...args])));
    cases.forEach(([args, kind, message], i) => {
      const r = results[i] as CliRun;
      const text = kind === 'usage' ? usageError(r) : awsError(r, kind);
      expect(text, args.join(' ')).toMatch(message);
    });
  });

  it('verify: intact, with the stored key and with a trusted copy written by public-key --out', () => {
    expect(ok(run('audit', 'verify'))).toMatchObject({ Intact: true, FirstSeq: 1, KeyTrust: expect.stringMatching(/stored in this installation/) as unknown });
    const written = ok(run('audit', 'public-key', '--out', pem()));
    expect(readFileSync(pem(), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    expect(written).toMatchObject({ File: pem(), Fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
    const report = ok(run('audit', 'verify', '--trusted-public-key', pem()));
    expect(report).toMatchObject({ Intact: true, KeyTrust: 'the trusted public key given', KeyFingerprint: written.Fingerprint });
    const notAKey = join(dir, 'not-a-key.pem');
    writeFileSync(notAKey, 'hello');
    expect(awsError(run('audit', 'verify', '--trusted-public-key', notAKey), 'ValidationException')).toMatch(/is not a public key/);
  });

  it('verify after the database was edited behind Strongroom’s back: exit 1, the problem printed', () => {
    const copy = tempDir('strongroom-cli-audit-copy-');
    cpSync(dir, copy, { recursive: true });
    const db = new Database(join(copy, DATABASE_FILE));
    db.prepare("UPDATE audit_log SET record = replace(record, '\"Encrypt\"', '\"Decrypt\"') WHERE seq = (SELECT min(seq) FROM audit_log WHERE event_name = 'Encrypt')").run();
    const seq = (db.prepare("SELECT min(seq) AS s FROM audit_log WHERE event_name = 'Decrypt'").get() as { s: number }).s;
    db.close();
    const r = cli(copy, ['audit', 'verify', '--trusted-public-key', pem()], { env });
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ Intact: false, Problem: { Kind: 'edited', Seq: seq } });
    expect(r.stderr).toBe(`strongroom: the audit log is not intact: record ${seq} was edited: its hash does not match its contents\n`);
  });

  it('checkpoints --out kept off the machine catch a tail deleted with its checkpoints, which plain verify cannot', () => {
    const copy = tempDir('strongroom-cli-audit-tail-');
    cpSync(dir, copy, { recursive: true });
    const c = (...args: Array<string>): CliRun => cli(copy, args, { env });
    const signed = ok(c('audit', 'checkpoint')).Checkpoint as { body: { number: number; headSeq: number } };
    const file = join(copy, 'checkpoints.json');
    const saved = ok(c('audit', 'checkpoints', '--out', file));
    expect(saved).toMatchObject({ File: file, Checkpoints: signed.body.number, Last: { number: signed.body.number, headSeq: signed.body.headSeq } });
    expect((JSON.parse(readFileSync(file, 'utf8')) as { Checkpoints: Array<unknown> }).Checkpoints).toHaveLength(signed.body.number);
    // Delete the last three records and every checkpoint that signed any of them.
    const keep = signed.body.headSeq - 3;
    const db = new Database(join(copy, DATABASE_FILE));
    db.prepare('DELETE FROM audit_log WHERE seq > ?').run(keep);
    const dropped = db.prepare('DELETE FROM audit_checkpoints WHERE head_seq > ?').run(keep).changes;
    db.close();
    expect(dropped).toBeGreaterThanOrEqual(1);
    expect(ok(c('audit', 'verify', '--trusted-public-key', pem()))).toMatchObject({ Intact: true, LastSeq: keep });
    const r = c('audit', 'verify', '--trusted-public-key', pem(), '--checkpoints', file);
    expect(r.code).toBe(1);
    expect(r.json()).toMatchObject({ Intact: false, Problem: { Kind: 'truncated', Seq: keep + 1, Checkpoint: signed.body.number } });
    expect(r.stderr).toMatch(new RegExp(`checkpoint ${signed.body.number} signed record ${signed.body.headSeq}, but the log ends at record ${keep}`));
    const bad = join(copy, 'bad.json');
    writeFileSync(bad, '{"Checkpoints": 3}');
    expect(awsError(c('audit', 'verify', '--checkpoints', bad), 'ValidationException')).toMatch(/is not a checkpoints file/);
  });

  describe('export, verify --from-export, import, sources, workspace queries', () => {
    let pemB: string;
    let idA: string;
    let idB: string;
    const exports = (): Record<string, string> => ({ jsonl: join(dir, 'all.jsonl'), cloudtrail: join(dir, 'all.json'), gz: join(dir, 'all.json.gz'), b: join(dirB, 'b.jsonl.gz') });

    beforeAll(() => {
      dirB = tempDir('strongroom-cli-audit-b-');
      const init = cli(dirB, ['init', '--root-key', 'passphrase', '--account-id', ACCOUNT_B], { env });
      expect(init.code, init.stderr).toBe(0);
      idB = String(init.json().InstallationId);
      ok(cli(dirB, ['create-key'], { env }));
      pemB = join(dirB, 'b.pem');
      ok(cli(dirB, ['audit', 'public-key', '--out', pemB], { env }));
      idA = String((ok(run('status')) as { InstallationId: string }).InstallationId);
    });

    it('exports in each layout (gzip by --gzip or the .gz name) and each verifies with the trusted key', () => {
      const f = exports();
      const jsonl = ok(run('audit', 'export', '--out', f.jsonl ?? ''));
      expect(jsonl).toMatchObject({ File: f.jsonl, FirstSeq: 1, Records: jsonl.LastSeq });
      ok(run('audit', 'export', '--out', f.cloudtrail ?? '', '--format', 'cloudtrail'));
      ok(run('audit', 'export', '--out', f.gz ?? '', '--format', 'cloudtrail'));
      ok(cli(dirB, ['audit', 'export', '--out', f.b ?? '', '--gzip'], { env }));
      expect(JSON.parse(readFileSync(f.jsonl ?? '', 'utf8').split('\n')[0] ?? '')).toMatchObject({ type: 'header', format: 'strongroom-audit-export-v1', installationId: idA });
      expect((JSON.parse(readFileSync(f.cloudtrail ?? '', 'utf8')) as { Records: Array<{ eventName: string }> }).Records[0]?.eventName).toBe('CreateInstallation');
      expect([...readFileSync(f.gz ?? '').subarray(0, 2)]).toEqual([0x1f, 0x8b]);
      expect([...readFileSync(f.b ?? '').subarray(0, 2)]).toEqual([0x1f, 0x8b]);
      // Refuses to replace a file without --force.
      expect(awsError(run('audit', 'export', '--out', f.jsonl ?? ''), 'ValidationException')).toMatch(/already exists; pass --force/);
      for (const file of [f.jsonl, f.cloudtrail, f.gz]) {
        expect(ok(run('audit', 'verify', '--from-export', file ?? '', '--trusted-public-key', pem())), file).toMatchObject({ Intact: true, InstallationId: idA, FirstSeq: 1, KeyTrust: 'the trusted public key given' });
      }
      expect(ok(run('audit', 'verify', '--from-export', f.jsonl ?? ''))).toMatchObject({ Intact: true, KeyTrust: expect.stringMatching(/inside the export/) as unknown });
      // A time-range export.
      const range = ok(run('audit', 'export', '--out', join(dir, 'range.jsonl'), '--start-time', new Date(moved.before + 12 * 3_600_000).toISOString()));
      expect(Number(range.FirstSeq)).toBeGreaterThan(1);
      expect(ok(run('audit', 'verify', '--from-export', join(dir, 'range.jsonl'), '--trusted-public-key', pem()))).toMatchObject({ Intact: true, FirstSeq: range.FirstSeq, LastSeq: range.LastSeq });
      expect(query('--event-name', 'ExportAuditLog').Records.map((r) => r.Record.errorCode ?? 'ok')).toEqual(['ok', 'ValidationException', 'ok', 'ok', 'ok']);
    });

    it('verify --from-export: another installation’s export with this key, and a tampered export, exit 1 with the problem', () => {
      const f = exports();
      const other = run('audit', 'verify', '--from-export', f.b ?? '', '--trusted-public-key', pem());
      expect(other.code).toBe(1);
      expect(other.json()).toMatchObject({ Intact: false, InstallationId: idB, Problem: { Kind: 'checkpoint-invalid', Checkpoint: 1 } });
      expect(other.stderr).toMatch(/^strongroom: the export is not intact: checkpoint 1 names signing key/);
      const lines = readFileSync(f.jsonl ?? '', 'utf8').split('\n');
      const i = lines.findIndex((l) => l.includes('"eventName":"UpdateAlias"'));
      const tampered = join(dir, 'tampered.jsonl');
      writeFileSync(tampered, lines.map((l, j) => (j === i ? l.replace('"UpdateAlias"', '"DeleteAlias"') : l)).join('\n'));
      const r = run('audit', 'verify', '--from-export', tampered, '--trusted-public-key', pem());
      expect(r.code).toBe(1);
      expect(r.json()).toMatchObject({ Intact: false, Problem: { Kind: 'edited' } });
      const notExport = join(dir, 'notes.txt');
      writeFileSync(notExport, 'meeting notes\n');
      expect(awsError(run('audit', 'verify', '--from-export', notExport), 'ValidationException')).toContain(notExport);
    });

    it('verify --from-export of a gzip export cut short (a partial copy): a clear error, not a crash', () => {
      const raw = readFileSync(exports().gz ?? '');
      const jsonlGz = join(dir, 'cut-source.jsonl.gz');
      ok(run('audit', 'export', '--out', jsonlGz));
      for (const source of [jsonlGz, exports().gz ?? '']) {
        const data = source === jsonlGz ? readFileSync(jsonlGz) : raw;
        const cut = `${source}.cut.gz`;
        writeFileSync(cut, data.subarray(0, Math.floor(data.length * 0.8)));
        const r = run('audit', 'verify', '--from-export', cut, '--trusted-public-key', pem());
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr, 'no unhandled stream error').not.toMatch(/Unhandled 'error' event|at genericNodeError/);
        expect(r.stderr).toMatch(/^(An error occurred \(ValidationException\)|strongroom: the export is not intact)/);
        expect(r.stderr).toContain(cut);
      }
    });

    it('import into workspaces with only public keys; sources; query --workspace --installation', () => {
      const f = exports();
      // The default workspace (in the data directory) and a named workspace file.
      const a = ok(run('audit', 'import', f.jsonl ?? '', '--trusted-public-key', pem(), '--label', 'alpha'));
      expect(a).toMatchObject({ Imported: [{ InstallationId: idA, Label: 'alpha', KeyTrust: 'trusted-key' }] });
      const firstAdded = (a.Imported as Array<{ Added: number; Records: number }>)[0];
      expect(firstAdded?.Added).toBe(firstAdded?.Records);
      const b = ok(run('audit', 'import', f.b ?? '', '--trusted-public-key', pemB, '--label', 'bravo'));
      expect(b).toMatchObject({ Imported: [{ InstallationId: idB, Label: 'bravo', KeyTrust: 'trusted-key' }] });
      // Again, and the overlapping later CloudTrail export: only what is new.
      const again = ok(run('audit', 'import', f.jsonl ?? '', f.gz ?? ''));
      expect((again.Imported as Array<{ Added: number; KeyTrust: string }>).map((x) => x.KeyTrust)).toEqual(['pinned-key', 'pinned-key']);
      expect((again.Imported as Array<{ Added: number }>)[0]?.Added).toBe(0);
      expect((again.Imported as Array<{ Added: number }>)[1]?.Added).toBe(2);
      // B's export offered under A's key: refused, nothing added.
      expect(awsError(run('audit', 'import', f.b ?? '', '--trusted-public-key', pem()), 'ValidationException')).toMatch(/is pinned in this workspace|does not verify/);

      const sources = ok(run('audit', 'sources')).Sources as Array<{ InstallationId: string; Label: string; AccountId: string; Records: number; FirstSeq: number }>;
      expect(sources.map((s) => [s.Label, s.InstallationId, s.AccountId, s.FirstSeq])).toEqual([['alpha', idA, ACCOUNT, 1], ['bravo', idB, ACCOUNT_B, 1]]);

      const all = ok(run('audit', 'query', '--workspace', '--max-results', '1000')) as Page;
      expect(all.Records.length).toBe(sources.reduce((n, s) => n + s.Records, 0));
      expect(new Set(all.Records.map((r) => r.InstallationId))).toEqual(new Set([idA, idB]));
      const bravo = ok(run('audit', 'query', '--workspace', '--installation', 'bravo', '--max-results', '1000')) as Page;
      expect(bravo.Records).toHaveLength(sources[1]?.Records ?? -1);
      expect(bravo.Records.every((r) => r.InstallationId === idB)).toBe(true);
      const alphaEncrypts = ok(run('audit', 'query', '--workspace', '--installation', idA, '--key-id', 'alias/app', '--event-name', 'Encrypt')) as Page;
      expect(alphaEncrypts.Records).toHaveLength(3);

      // A separate workspace file.
      const wsFile = join(dir, 'team.db');
      ok(run('audit', 'import', f.cloudtrail ?? '', '--trusted-public-key', pem(), '--workspace-file', wsFile, '--label', 'desk-1'));
      expect((ok(run('audit', 'sources', '--workspace-file', wsFile)).Sources as Array<{ Label: string }>).map((s) => s.Label)).toEqual(['desk-1']);
      expect((ok(run('audit', 'query', '--workspace-file', wsFile, '--installation', 'desk-1', '--max-results', '2')) as Page).NextToken).toBeDefined();
    });

    it('archive --before: archives the records before the clock moved, and the live log verifies from the anchor', () => {
      const middle = new Date(moved.before + 12 * 3_600_000).toISOString();
      expect(awsError(run('audit', 'archive', '--before', '2000-01-01', '--out', join(dir, 'none.jsonl')), 'ValidationException')).toMatch(/nothing to archive/);
      const firstLive = query('--start-time', middle).Records.at(-1)?.Seq ?? 0;
      const archive = join(dir, 'archive.jsonl.gz');
      const summary = ok(run('audit', 'archive', '--before', middle, '--out', archive));
      expect(summary).toMatchObject({ File: archive, FirstSeq: 1, ThroughSeq: firstLive - 1, Records: firstLive - 1 });
      expect([...readFileSync(archive).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
      expect(ok(run('audit', 'verify', '--from-export', archive, '--trusted-public-key', pem()))).toMatchObject({ Intact: true, FirstSeq: 1, LastSeq: firstLive - 1 });
      expect(ok(run('audit', 'verify', '--trusted-public-key', pem()))).toMatchObject({ Intact: true, ArchivedThrough: firstLive - 1, FirstSeq: firstLive });
      // The successful archive (an earlier refused one is audited as a failure).
      const archived = query('--event-name', 'ArchiveAuditLog', '--outcome', 'success').Records;
      expect(archived.map((r) => r.Record.requestParameters)).toMatchObject([{ throughSeq: firstLive - 1, firstSeq: 1, archiveFile: 'archive.jsonl.gz' }]);
      // What was archived is no longer queried live.
      expect(query('--end-time', middle).Records).toEqual([]);
      expect(query('--event-name', 'Encrypt').Records).toHaveLength(2);
    });
  });
});
