// The ceremony in the engine (electron/kms/ceremony/runner.ts), with no command line: a scripted
// operator stands in for the people in the room through the operator port. It is shown every step
// and may decline one; it is asked for each share and told why one is refused (and may give
// another); a sealed share of a custodian the ceremony generated opens without asking for a key.
// Its messages name no command-line flag: the surfaces add their own hints.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CeremonyOperator, CustodianKey, ShareEntry, ShareRequest, StepPreview } from '../../electron/kms/ceremony/operator.ts';
import { chainFromDataDir } from '../../electron/kms/ceremony/chain.ts';
import { parsePlan } from '../../electron/kms/ceremony/plan.ts';
import { prepareCeremony, runCeremony, type CeremonyOutcome } from '../../electron/kms/ceremony/runner.ts';
import type { TranscriptStep } from '../../electron/kms/ceremony/transcript.ts';
import { verifyTranscript } from '../../electron/kms/ceremony/verify.ts';
import { InstallationError } from '../../electron/kms/errors.ts';
import { generateCustodianKey } from '../../electron/kms/quorum/approval.ts';
import { MemoryRootKeyProvider } from '../../electron/kms/rootkey/memory.ts';
import { tempDirsRemovedAfterAll } from '../support/engine.ts';

const tempDir = tempDirsRemovedAfterAll();

/** An operator that answers from a script and writes down what it was shown and told. */
class ScriptedOperator implements CeremonyOperator {
  readonly shown: Array<StepPreview> = [];
  readonly done: Array<string> = [];
  readonly accepted: Array<string> = [];
  readonly refused: Array<string> = [];
  readonly keyRequests: Array<{ custodian: string; generated: boolean }> = [];
  readonly #declineStep: number | null;
  readonly #shares: (request: ShareRequest, attempt: number) => ShareEntry | null;
  readonly #attempts = new Map<string, number>();

  constructor(options: { declineStep?: number; shares: (request: ShareRequest, attempt: number) => ShareEntry | null }) {
    this.#declineStep = options.declineStep ?? null;
    this.#shares = options.shares;
  }

  async confirmStep(step: StepPreview): Promise<boolean> {
    this.shown.push(step);
    return step.number !== this.#declineStep;
  }

  async reenterShare(request: ShareRequest): Promise<ShareEntry | null> {
    const attempt = (this.#attempts.get(request.custodian) ?? 0) + 1;
    this.#attempts.set(request.custodian, attempt);
    return this.#shares(request, attempt);
  }

  shareAccepted(request: ShareRequest): void {
    this.accepted.push(request.custodian);
  }

  shareRefused(request: ShareRequest, reason: Error): boolean {
    this.refused.push(`${request.custodian}: ${reason.message}`);
    return this.refused.length < 2;
  }

  async custodianKey(request: ShareRequest & { readonly what: string; readonly generated: boolean }): Promise<CustodianKey | null> {
    this.keyRequests.push({ custodian: request.custodian, generated: request.generated });
    return null;
  }

  stepDone(step: TranscriptStep): void {
    this.done.push(step.Name);
  }
}

function setUp(name: string): { home: string; dataDir: string; outDir: string; planFile: string; planText: string } {
  const home = tempDir(`strongroom-ceremony-${name}-`);
  writeFileSync(join(home, 'alice.pub.pem'), generateCustodianKey().publicPem);
  const planText = JSON.stringify({
    Installation: { RootKeyProvider: 'passphrase' },
    Custodians: [
      { Name: 'alice', PublicKeyFile: 'alice.pub.pem' },
      { Name: 'bob', Generate: true },
    ],
    Keys: [],
    Backup: { Shares: 2, Threshold: 2, Assignments: [{ Index: 1, Custodian: 'alice' }, { Index: 2, Custodian: 'bob', Seal: true }] },
  });
  const planFile = join(home, 'plan.json');
  writeFileSync(planFile, planText);
  return { home, dataDir: join(home, 'data'), outDir: join(home, 'out'), planFile, planText };
}

async function ceremony(name: string, operatorFor: (outDir: string) => ScriptedOperator): Promise<{ outcome: CeremonyOutcome; operator: ScriptedOperator; dataDir: string; outDir: string }> {
  const { dataDir, outDir, planFile, planText } = setUp(name);
  const provider = new MemoryRootKeyProvider();
  const operator = operatorFor(outDir);
  prepareCeremony({ dataDir, outDir, existing: false });
  const outcome = await runCeremony({
    plan: parsePlan(planText, planFile),
    planFile: { path: planFile, text: planText },
    outDir,
    dataDir,
    existing: false,
    userAgent: 'ceremony-test',
    newProvider: () => provider,
    providerForKind: () => provider,
    operator,
  });
  return { outcome, operator, dataDir, outDir };
}

const shareFile = (outDir: string, index: number): string => join(outDir, 'shares', `backup.share-${index}-of-2.${index === 2 ? 'sealed.json' : 'txt'}`);
const entry = (outDir: string, index: number): ShareEntry => ({ text: readFileSync(shareFile(outDir, index), 'utf8'), what: `share file ${index}` });

describe('the ceremony run by the engine through its operator port', () => {
  it('shows every step, opens a generated custodian’s sealed share with the generated key, asks again after a refusal, and writes a transcript that verifies', async () => {
    const { outcome, operator, dataDir, outDir } = await ceremony('port', (out) => new ScriptedOperator({ shares: (r, attempt) => entry(out, r.custodian === 'alice' && attempt === 1 ? 2 : r.index) }));
    expect(outcome.status, JSON.stringify(outcome.transcript.StoppedAt)).toBe('completed');
    // No keys in the plan: no keys step.
    const names = ['installation', 'custodians', 'backup', 'reentry', 'public-keys', 'checkpoint', 'audit-verify'];
    expect(operator.shown.map((s) => s.number)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(operator.done).toEqual(names);
    expect(outcome.transcript.Steps.map((s) => s.Name)).toEqual(names);
    // Alice first gave bob's sealed share: refused by its label, before any key was asked for.
    expect(operator.refused).toEqual(['alice: share file 2 is share 2, but alice holds share 1.']);
    expect(operator.keyRequests).toEqual([{ custodian: 'bob', generated: true }]);
    expect(operator.accepted).toEqual(['alice', 'bob']);
    const verification = verifyTranscript(JSON.parse(readFileSync(outcome.transcriptFile, 'utf8')), outDir, chainFromDataDir(dataDir, undefined));
    expect(verification.problems).toEqual([]);
    expect(verification).toMatchObject({ matches: true, steps: 7, installationId: outcome.transcript.InstallationId });
    // Without a surface to name it, the printed transcript names no command.
    expect(readFileSync(outcome.transcriptHtmlFile, 'utf8')).toContain('Verifying the transcript checks them');
  });

  it('stops at the step the operator declines, and at a refused share the operator gives up on; a stopped transcript is signed and verifies', async () => {
    const declined = await ceremony('declined', (out) => new ScriptedOperator({ declineStep: 2, shares: (r) => entry(out, r.index) }));
    expect(declined.outcome.status).toBe('stopped');
    expect(declined.outcome.transcript.StoppedAt).toEqual({ Step: 2, Title: 'Register the custodians', Reason: 'the operator did not confirm the step' });
    expect(declined.outcome.transcript.Checkpoint).not.toBeNull();
    expect(verifyTranscript(declined.outcome.transcript, declined.outDir, chainFromDataDir(declined.dataDir, undefined)).problems).toEqual([]);

    // Twice the wrong share: the operator gives up after the second refusal, which fails the step.
    const refused = await ceremony('refused', (out) => new ScriptedOperator({ shares: (r) => entry(out, r.custodian === 'alice' ? 2 : r.index) }));
    expect(refused.operator.refused).toHaveLength(2);
    expect(refused.outcome.transcript.StoppedAt).toMatchObject({ Step: 4, Reason: 'ValidationException: share file 2 is share 2, but alice holds share 1.' });

    const stopped = await ceremony('stopped', () => new ScriptedOperator({ shares: () => null }));
    expect(stopped.outcome.transcript.StoppedAt).toMatchObject({ Step: 4, Reason: 'ValidationException: alice stopped the re-entry of share 1.' });
  });

  it('refuses to start on a data directory that holds an installation, or an existing one that is not there, or a folder that is not empty, naming no flag', async () => {
    const { outcome, dataDir, outDir } = await ceremony('prepare', (out) => new ScriptedOperator({ shares: (r) => entry(out, r.index) }));
    expect(outcome.status).toBe('completed');
    const problem = (options: Parameters<typeof prepareCeremony>[0]): Error => {
      try {
        prepareCeremony(options);
      } catch (err) {
        return err as Error;
      }
      throw new Error('the ceremony was allowed to start');
    };
    const fresh = join(dataDir, '..', 'fresh-out');
    const taken = problem({ dataDir, outDir: fresh, existing: false });
    expect(taken).toBeInstanceOf(InstallationError);
    expect(taken).toMatchObject({ problem: 'AlreadyInitialized' });
    expect(taken.message).toBe(`There is already an installation in ${dataDir}: a ceremony creates its own.`);
    const missing = problem({ dataDir: join(dataDir, '..', 'nothing-here'), outDir: fresh, existing: true });
    expect(missing).toMatchObject({ problem: 'NotInitialized' });
    const busy = problem({ dataDir, outDir, existing: true });
    expect(busy.message).toBe(`The output folder ${outDir} is not empty: a ceremony writes into a new or empty folder, so no earlier transcript or share is replaced.`);
    const noLog = (() => {
      try {
        chainFromDataDir(join(dataDir, '..', 'nothing-here'), undefined);
      } catch (err) {
        return err as Error;
      }
      throw new Error('a chain was read from no installation');
    })();
    for (const err of [taken, missing, busy, noLog]) {
      expect(err.message).not.toContain('--');
    }
  });
});
