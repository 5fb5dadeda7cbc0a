// "Set up Strongroom": the window's first run on an empty data folder (issue 23). The root key goes
// in the OS keychain, or under a passphrase the user types twice, with the strength said while they
// type (shared/api/passphrase-strength.ts — the host applies the same rule, so a weak one is refused
// whichever client sends it). It sets up the data folder the app (or `strongroom ui`) runs on.

import { useId, useState, type ReactElement } from 'react';
import { passphraseStrength, PASSPHRASE_MAX_LENGTH } from '../../../shared/api/passphrase-strength.ts';
import { call, useAction } from '../lib/call.ts';
import { ErrorMessage } from './ErrorMessage.tsx';

const LEVEL_WORDS = { 'too-short': 'Too short', weak: 'Weak', fair: 'Fair', strong: 'Strong' } as const;

/** The strength line under a passphrase field: a meter, a word and what to do. */
export function StrengthMeter(props: { readonly passphrase: string; readonly id: string }): ReactElement | null {
  if (props.passphrase === '') {
    return null;
  }
  const s = passphraseStrength(props.passphrase);
  return (
    <div className="strength" id={props.id} aria-live="polite">
      <meter min={0} max={100} low={50} high={80} optimum={100} value={Math.min(s.bits, 100)} aria-label="Passphrase strength" />
      <span className={`strength-word strength-${s.level}`}>{LEVEL_WORDS[s.level]}</span> <span className="hint">{s.advice}</span>
    </div>
  );
}

export function SetupForm(props: { readonly onDone: () => void }): ReactElement {
  const [kind, setKind] = useState<'keychain' | 'passphrase'>('keychain');
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const action = useAction();
  const ids = useId();
  const strength = passphraseStrength(passphrase);
  const mismatch = again !== '' && again !== passphrase;
  const ready = kind === 'keychain' || (strength.acceptable && passphrase === again);

  const submit = async (): Promise<void> => {
    const result = await action.run(() => call((b) => b.setUp(kind === 'keychain' ? { RootKey: 'keychain' } : { RootKey: 'passphrase', Passphrase: passphrase })));
    if (result.ok) {
      setPassphrase('');
      setAgain('');
      props.onDone();
    }
  };

  return (
    <form
      className="setup-form"
      aria-label="Set up Strongroom"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready && !action.busy) {
          void submit();
        }
      }}
    >
      <p>
        This data folder has no installation yet. Setting one up creates its root key, which wraps every key you make; choose where the
        root key lives. (In a terminal, <code>strongroom init --data-dir &lt;folder&gt;</code> does the same; Settings shows the folder.)
      </p>
      <fieldset disabled={action.busy}>
        <legend>Where the root key lives</legend>
        <ul className="plain-list">
          <li>
            <label className="check">
              <input type="radio" name="root-key" value="keychain" checked={kind === 'keychain'} onChange={() => setKind('keychain')} />
              <span>
                The OS keychain
                <span className="muted small block">Unlocked with your login; nothing to type. Best on your own computer.</span>
              </span>
            </label>
          </li>
          <li>
            <label className="check">
              <input type="radio" name="root-key" value="passphrase" checked={kind === 'passphrase'} onChange={() => setKind('passphrase')} />
              <span>
                A passphrase
                <span className="muted small block">For machines without a keychain. You type it each time Strongroom starts; lost, it cannot be recovered.</span>
              </span>
            </label>
          </li>
        </ul>
        {kind === 'passphrase' ? (
          <>
            <div className="field">
              <label htmlFor={`${ids}-pass`}>Passphrase</label>
              <input
                id={`${ids}-pass`}
                type="password"
                autoComplete="new-password"
                maxLength={PASSPHRASE_MAX_LENGTH}
                value={passphrase}
                aria-describedby={`${ids}-strength`}
                aria-invalid={passphrase !== '' && !strength.acceptable ? true : undefined}
                onChange={(e) => setPassphrase(e.target.value)}
              />
              <StrengthMeter passphrase={passphrase} id={`${ids}-strength`} />
            </div>
            <div className="field">
              <label htmlFor={`${ids}-again`}>The same passphrase again</label>
              <input
                id={`${ids}-again`}
                type="password"
                autoComplete="new-password"
                maxLength={PASSPHRASE_MAX_LENGTH}
                value={again}
                aria-invalid={mismatch ? true : undefined}
                aria-describedby={mismatch ? `${ids}-mismatch` : undefined}
                onChange={(e) => setAgain(e.target.value)}
              />
              {mismatch ? (
                <p id={`${ids}-mismatch`} className="problem">
                  The two passphrases differ.
                </p>
              ) : null}
            </div>
          </>
        ) : null}
      </fieldset>
      <ErrorMessage error={action.error} context="Strongroom could not be set up." />
      <div className="actions">
        <button type="submit" className="primary" disabled={!ready || action.busy}>
          {action.busy ? 'Setting up…' : 'Set up Strongroom'}
        </button>
      </div>
    </form>
  );
}

/** A passphrase installation opens here: the passphrase is sent once and not kept. */
export function UnlockForm(props: { readonly onDone: () => void }): ReactElement {
  const [passphrase, setPassphrase] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction();
  const id = useId();
  const submit = async (): Promise<void> => {
    setProblem(null);
    const result = await action.run(() => call((b) => b.unlock({ Passphrase: passphrase })));
    if (!result.ok) {
      return;
    }
    setPassphrase('');
    if (result.value.unlocked) {
      props.onDone();
    } else {
      setProblem(result.value.problem?.message ?? 'The installation did not unlock.');
    }
  };
  return (
    <form
      className="unlock-form"
      aria-label="Unlock Strongroom"
      onSubmit={(e) => {
        e.preventDefault();
        if (passphrase !== '' && !action.busy) {
          void submit();
        }
      }}
    >
      <p>This installation’s root key is protected by a passphrase. Type it to unlock Strongroom until the app stops.</p>
      <div className="field">
        <label htmlFor={id}>Passphrase</label>
        <input id={id} type="password" autoComplete="current-password" maxLength={PASSPHRASE_MAX_LENGTH} value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
      </div>
      {problem === null ? null : (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
      <ErrorMessage error={action.error} context="Strongroom could not be unlocked." />
      <div className="actions">
        <button type="submit" className="primary" disabled={passphrase === '' || action.busy}>
          {action.busy ? 'Unlocking…' : 'Unlock'}
        </button>
      </div>
    </form>
  );
}
