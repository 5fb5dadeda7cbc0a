// Create key: a four-step wizard. 1 what kind of key (every KeySpec the engine creates, with
// the usages each allows; the ones it refuses are listed with why; where it lives — this
// installation or a connected custom key store — and whether it is exportable), 2 alias, description and
// tags, 3 the key policy (AWS's default, owner only, or custom JSON), 4 review. Create calls
// CreateKey, then CreateAlias when an alias was typed.

import { useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import type { KeySpec, KeyUsage } from '../../../shared/api/operations.ts';
import { ErrorMessage, Problems } from '../components/ErrorMessage.tsx';
import { JsonEditor } from '../components/JsonEditor.tsx';
import { KeyValueRows } from '../components/KeyValueRows.tsx';
import { PolicySummaryView } from '../components/PolicySummary.tsx';
import { useApp } from '../lib/app.ts';
import { call, listAll, useAction, useLoad } from '../lib/call.ts';
import { errorText } from '../lib/errors.ts';
import { setFlash } from '../lib/flash.ts';
import { parseJson, policyCharacterProblem } from '../lib/json.ts';
import { aliasProblem, fullAliasName, KEY_SPEC_CHOICES, keySpecChoice, USAGE_WORDS, type KeySpecGroup } from '../lib/keys.ts';
import { pairsToMap, type Pair } from '../lib/pairs.ts';
import { defaultKeyPolicy, ownerOnlyKeyPolicy, summarizePolicy } from '../lib/policy.ts';
import { hrefTo, navigate } from '../lib/router.ts';

const STEPS = ['Key type', 'Details', 'Key policy', 'Review'] as const;
type PolicyChoice = 'default' | 'owner' | 'custom';

const GROUPS: ReadonlyArray<KeySpecGroup> = ['Symmetric', 'RSA', 'Elliptic curve', 'Post-quantum', 'HMAC', 'Not available'];

const TAG_RULES = { maxKeyLength: 128, maxValueLength: 256, maxPairs: 50, noun: 'tag', reservedPrefixes: ['aws:'] } as const;

export function CreateKeyScreen(): ReactElement {
  const { status } = useApp();
  const accountId = status?.accountId;
  const [step, setStep] = useState(0);
  const [spec, setSpec] = useState<KeySpec>('SYMMETRIC_DEFAULT');
  const [usage, setUsage] = useState<KeyUsage>('ENCRYPT_DECRYPT');
  const [alias, setAlias] = useState('');
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState<Array<Pair>>([]);
  const [policyChoice, setPolicyChoice] = useState<PolicyChoice>('default');
  const [customPolicy, setCustomPolicy] = useState('');
  const [storeId, setStoreId] = useState('');
  const [exportable, setExportable] = useState(false);
  const [problems, setProblems] = useState<ReadonlyArray<string>>([]);
  const [partial, setPartial] = useState<{ readonly keyId: string; readonly message: string } | null>(null);
  const action = useAction();
  const stepHeading = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    stepHeading.current?.focus();
  }, [step]);

  const stores = useLoad(() => listAll((b, marker) => b.describeCustomKeyStores(marker === undefined ? {} : { Marker: marker }), (page) => page.CustomKeyStores), 'create-key-stores');
  const allStores = stores.loaded.state === 'done' && stores.loaded.result.ok ? stores.loaded.result.value : [];
  const connectedStores = allStores.filter((s) => s.ConnectionState === 'CONNECTED' && s.CustomKeyStoreId !== undefined);
  const store = connectedStores.find((s) => s.CustomKeyStoreId === storeId);

  const choice = keySpecChoice(spec);
  const usages = choice?.usages ?? [];

  const policyText = policyChoice === 'custom' ? customPolicy : policyChoice === 'owner' && accountId !== undefined ? ownerOnlyKeyPolicy(accountId) : accountId === undefined ? null : defaultKeyPolicy(accountId);
  const policySummary = useMemo(() => {
    if (policyText === null) {
      return null;
    }
    const parsed = parseJson(policyText);
    return parsed.ok ? summarizePolicy(parsed.value, accountId) : null;
  }, [policyText, accountId]);

  const stepProblems = (n: number): Array<string> => {
    const out: Array<string> = [];
    if (n === 0) {
      if (choice === undefined || choice.unavailable !== null) {
        out.push('Choose a key spec this version offers.');
      } else if (!choice.usages.includes(usage)) {
        out.push(`Choose a usage ${spec} allows: ${choice.usages.map((u) => USAGE_WORDS[u]).join(' or ')}.`);
      }
      if (storeId !== '' && (spec !== 'SYMMETRIC_DEFAULT' || usage !== 'ENCRYPT_DECRYPT')) {
        out.push('A key in a custom key store is SYMMETRIC_DEFAULT for encrypt and decrypt (the token does AES-256-GCM): choose that, or keep the key in this installation.');
      }
      if (storeId !== '' && store === undefined) {
        out.push('The chosen custom key store is not connected any more: connect it on the Custody screen, or keep the key in this installation.');
      }
    }
    if (n === 1) {
      if (alias.trim() !== '') {
        const p = aliasProblem(alias.trim());
        if (p !== null) {
          out.push(`Alias: ${p}`);
        }
      }
      if (description.length > 8192) {
        out.push('The description is longer than 8192 characters.');
      }
      out.push(...pairsToMap(tags, TAG_RULES).problems.map((p) => `Tags: ${p}`));
    }
    if (n === 2 && policyChoice === 'custom') {
      const parsed = parseJson(customPolicy);
      if (customPolicy.trim() === '') {
        out.push('Type the custom policy, or choose a template.');
      } else if (!parsed.ok) {
        out.push(`The policy is not valid JSON: line ${parsed.line}, column ${parsed.column}: ${parsed.message}.`);
      } else {
        const chars = policyCharacterProblem(customPolicy);
        if (chars !== null) {
          out.push(`Line ${chars.line}, column ${chars.column}: ${chars.message}.`);
        }
      }
    }
    return out;
  };

  const next = (): void => {
    const p = stepProblems(step);
    setProblems(p);
    if (p.length === 0) {
      setStep((s) => Math.min(s + 1, STEPS.length - 1));
    }
  };
  const back = (): void => {
    setProblems([]);
    setStep((s) => Math.max(s - 1, 0));
  };

  const create = async (): Promise<void> => {
    const all = [0, 1, 2].flatMap(stepProblems);
    setProblems(all);
    if (all.length > 0) {
      return;
    }
    setPartial(null);
    const tagMap = pairsToMap(tags, TAG_RULES).map;
    const result = await action.run(() =>
      call((b) =>
        b.createKey({
          KeySpec: spec,
          KeyUsage: usage,
          ...(description === '' ? {} : { Description: description }),
          ...(Object.keys(tagMap).length === 0 ? {} : { Tags: Object.entries(tagMap).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) }),
          // The default template is the engine's own default: send no policy and it writes it.
          ...(policyChoice === 'default' || policyText === null ? {} : { Policy: policyText }),
          // As AWS: a key in a custom key store takes Origin AWS_CLOUDHSM with the store's id.
          ...(storeId === '' ? {} : { Origin: 'AWS_CLOUDHSM' as const, CustomKeyStoreId: storeId }),
          ...(exportable && storeId === '' ? { XStrongroomExportable: true } : {}),
        }),
      ),
    );
    if (!result.ok) {
      return;
    }
    const keyId = result.value.KeyMetadata.KeyId;
    if (alias.trim() !== '') {
      const aliasName = fullAliasName(alias.trim());
      const aliased = await call((b) => b.createAlias({ AliasName: aliasName, TargetKeyId: keyId }));
      if (!aliased.ok) {
        setPartial({ keyId, message: `The key was created, but the alias ${aliasName} was not. ${errorText(aliased.error)}` });
        return;
      }
    }
    setFlash(alias.trim() === '' ? 'Key created.' : `Key created with alias ${fullAliasName(alias.trim())}.`);
    navigate(hrefTo('keys', keyId));
  };

  return (
    <>
      <div className="screen-head">
        <h1 tabIndex={-1}>Create key</h1>
        <div className="actions">
          <a className="button" href={hrefTo('keys')}>
            Cancel
          </a>
        </div>
      </div>
      <ol className="steps" aria-label="Steps">
        {STEPS.map((name, i) => (
          <li key={name} aria-current={i === step ? 'step' : undefined} className={i < step ? 'done' : i === step ? 'current' : undefined}>
            <span className="step-number" aria-hidden="true">
              {i + 1}
            </span>{' '}
            {name}
            {i < step ? <span className="visually-hidden"> (done)</span> : null}
          </li>
        ))}
      </ol>
      <form
        className="wizard card"
        aria-labelledby="wizard-step-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (step < STEPS.length - 1) {
            next();
          } else {
            void create();
          }
        }}
      >
        <h2 id="wizard-step-title" ref={stepHeading} tabIndex={-1}>
          Step {step + 1} of {STEPS.length}: {STEPS[step]}
        </h2>

        {step === 0 ? (
          <>
            <fieldset className="spec-groups">
              <legend>Key spec</legend>
              {GROUPS.map((group) => (
                <div key={group} className="spec-group" role="group" aria-labelledby={`group-${group.replace(/\s/g, '-')}`}>
                  <h3 id={`group-${group.replace(/\s/g, '-')}`}>{group}</h3>
                  <ul className="plain-list">
                    {KEY_SPEC_CHOICES.filter((c) => c.group === group).map((c) => (
                      <li key={c.spec}>
                        <label className={c.unavailable === null ? 'check' : 'check disabled'}>
                          <input
                            type="radio"
                            name="key-spec"
                            value={c.spec}
                            checked={spec === c.spec}
                            disabled={c.unavailable !== null}
                            aria-describedby={`spec-${c.spec}-desc`}
                            onChange={() => {
                              setSpec(c.spec);
                              if (!c.usages.includes(usage)) {
                                setUsage(c.usages[0] as KeyUsage);
                              }
                            }}
                          />
                          <span>
                            <span className="mono">{c.spec}</span>
                            <span id={`spec-${c.spec}-desc`} className="muted small block">
                              {c.summary}
                              {c.unavailable === null ? '' : ` ${c.unavailable}`}
                            </span>
                          </span>
                        </label>
                      </li>
                    ))}
                  </ul>
                </div>
              ))}
            </fieldset>
            <fieldset>
              <legend>Key usage</legend>
              <ul className="plain-list">
                {usages.map((u) => (
                  <li key={u}>
                    <label className="check">
                      <input
                        type="radio"
                        name="key-usage"
                        value={u}
                        checked={usage === u}
                        onChange={() => {
                          setUsage(u);
                        }}
                      />
                      <span>
                        {USAGE_WORDS[u]} <span className="mono small muted">{u}</span>
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
              <p className="hint">The usage cannot be changed after the key is created.</p>
            </fieldset>
            <fieldset>
              <legend>Where the key lives</legend>
              <ul className="plain-list">
                <li>
                  <label className="check">
                    <input
                      type="radio"
                      name="key-store"
                      value=""
                      checked={storeId === ''}
                      onChange={() => {
                        setStoreId('');
                      }}
                    />
                    <span>
                      In this installation
                      <span className="muted small block">Its material is kept wrapped under the root key.</span>
                    </span>
                  </label>
                </li>
                {connectedStores.map((s) => (
                  <li key={s.CustomKeyStoreId}>
                    <label className="check">
                      <input
                        type="radio"
                        name="key-store"
                        value={s.CustomKeyStoreId}
                        checked={storeId === s.CustomKeyStoreId}
                        onChange={() => {
                          setStoreId(s.CustomKeyStoreId ?? '');
                          setSpec('SYMMETRIC_DEFAULT');
                          setUsage('ENCRYPT_DECRYPT');
                          setExportable(false);
                        }}
                      />
                      <span>
                        In the custom key store {s.CustomKeyStoreName} <span className="mono small muted">{s.CustomKeyStoreId}</span>
                        <span className="muted small block">
                          The PKCS#11 token {s.XStrongroomPkcs11TokenLabel ?? ''} generates and keeps it (Origin AWS_CLOUDHSM): SYMMETRIC_DEFAULT only, no rotation, never
                          exportable, unavailable while the store is disconnected.
                        </span>
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
              {allStores.length > connectedStores.length ? (
                <p className="hint">
                  Stores that are not connected are not offered: connect them on the <a href={hrefTo('custody')}>Custody</a> screen.
                </p>
              ) : null}
            </fieldset>
            <div className="field">
              <label className={storeId === '' ? 'check' : 'check disabled'}>
                <input
                  type="checkbox"
                  checked={exportable && storeId === ''}
                  disabled={storeId !== ''}
                  aria-describedby="new-exportable-hint"
                  onChange={(e) => {
                    setExportable(e.target.checked);
                  }}
                />
                <span>Exportable (can be wrapped for AWS KMS import; cannot be changed later)</span>
              </label>
              <p id="new-exportable-hint" className="hint">
                Lets <code>strongroom export-key</code> wrap the key’s material for <code>aws kms import-key-material</code>, when the key policy also allows{' '}
                <code>strongroom:ExportKeyMaterial</code>. Leave it off unless the key must move to AWS: a key created without it can never be exported.
                {storeId === '' ? '' : ' Keys in a custom key store never leave the token.'}
              </p>
            </div>
            <p className="hint">
              To bring your own key material (Origin EXTERNAL), use <code>strongroom create-key --origin EXTERNAL</code> and{' '}
              <code>strongroom import-key-material</code>: importing is not in the app yet.
            </p>
          </>
        ) : null}

        {step === 1 ? (
          <>
            <div className="field">
              <label htmlFor="new-alias">Alias (optional)</label>
              <div className="prefixed">
                <span className="prefix mono" aria-hidden="true">
                  alias/
                </span>
                <input
                  id="new-alias"
                  type="text"
                  value={alias.replace(/^alias\//, '')}
                  spellCheck={false}
                  autoComplete="off"
                  aria-describedby="new-alias-hint"
                  onChange={(e) => {
                    setAlias(e.target.value);
                  }}
                />
              </div>
              <p id="new-alias-hint" className="hint">
                A friendly name such as <code>alias/files</code>: letters, digits, /, _ and -.
              </p>
            </div>
            <div className="field">
              <label htmlFor="new-description">Description (optional)</label>
              <textarea
                id="new-description"
                rows={3}
                value={description}
                onChange={(e) => {
                  setDescription(e.target.value);
                }}
              />
            </div>
            <KeyValueRows legend="Tags (optional)" rows={tags} onChange={setTags} keyLabel="Tag key" valueLabel="Tag value" addLabel="Add tag" />
          </>
        ) : null}

        {step === 2 ? (
          <>
            <fieldset>
              <legend>Key policy</legend>
              <ul className="plain-list">
                <li>
                  <label className="check">
                    <input
                      type="radio"
                      name="policy-choice"
                      checked={policyChoice === 'default'}
                      onChange={() => {
                        setPolicyChoice('default');
                      }}
                    />
                    <span>
                      Default
                      <span className="muted small block">
                        AWS’s default policy: the account (you, the owner) has every permission, and users and roles get what their identity
                        policies allow.
                      </span>
                    </span>
                  </label>
                </li>
                <li>
                  <label className={accountId === undefined ? 'check disabled' : 'check'}>
                    <input
                      type="radio"
                      name="policy-choice"
                      checked={policyChoice === 'owner'}
                      disabled={accountId === undefined}
                      onChange={() => {
                        setPolicyChoice('owner');
                      }}
                    />
                    <span>
                      Owner only
                      <span className="muted small block">
                        Only you, the installation owner. Users and roles get nothing from their identity policies; grants still work.
                      </span>
                    </span>
                  </label>
                </li>
                <li>
                  <label className="check">
                    <input
                      type="radio"
                      name="policy-choice"
                      checked={policyChoice === 'custom'}
                      onChange={() => {
                        setPolicyChoice('custom');
                        if (customPolicy === '' && accountId !== undefined) {
                          setCustomPolicy(defaultKeyPolicy(accountId));
                        }
                      }}
                    />
                    <span>
                      Custom JSON
                      <span className="muted small block">Write the policy yourself, starting from the default.</span>
                    </span>
                  </label>
                </li>
              </ul>
            </fieldset>
            {policyChoice === 'custom' ? (
              <JsonEditor label="Custom key policy" value={customPolicy} onChange={setCustomPolicy} extraProblem={policyCharacterProblem} rows={16} />
            ) : null}
            {policySummary === null ? null : (
              <section aria-labelledby="create-policy-summary">
                <h3 id="create-policy-summary">Who can do what</h3>
                <PolicySummaryView summary={policySummary} headingLevel={4} />
              </section>
            )}
          </>
        ) : null}

        {step === 3 ? (
          <dl className="review">
            <div className="row">
              <dt>Key spec</dt>
              <dd className="mono">{spec}</dd>
            </div>
            <div className="row">
              <dt>Usage</dt>
              <dd>
                {USAGE_WORDS[usage]} <span className="mono small muted">{usage}</span>
              </dd>
            </div>
            <div className="row">
              <dt>Where it lives</dt>
              <dd>{store === undefined ? 'In this installation' : `Custom key store ${store.CustomKeyStoreName ?? ''} (${storeId})`}</dd>
            </div>
            <div className="row">
              <dt>Exportable</dt>
              <dd>{exportable && storeId === '' ? 'Yes' : 'No'}</dd>
            </div>
            <div className="row">
              <dt>Alias</dt>
              <dd className="mono">{alias.trim() === '' ? 'none' : fullAliasName(alias.trim())}</dd>
            </div>
            <div className="row">
              <dt>Description</dt>
              <dd>{description === '' ? 'none' : description}</dd>
            </div>
            <div className="row">
              <dt>Tags</dt>
              <dd>
                {Object.entries(pairsToMap(tags, TAG_RULES).map)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ') || 'none'}
              </dd>
            </div>
            <div className="row">
              <dt>Key policy</dt>
              <dd>{policyChoice === 'default' ? 'Default' : policyChoice === 'owner' ? 'Owner only' : 'Custom JSON'}</dd>
            </div>
          </dl>
        ) : null}

        <Problems problems={problems} />
        <ErrorMessage error={action.error} context="The key was not created." />
        {partial === null ? null : (
          <div className="error-message" role="alert">
            <p>{partial.message}</p>
            <p>
              <a href={hrefTo('keys', partial.keyId)}>Open the new key</a> to add an alias there.
            </p>
          </div>
        )}

        <div className="wizard-nav">
          <button type="button" onClick={back} disabled={step === 0 || action.busy}>
            Back
          </button>
          {step < STEPS.length - 1 ? (
            <button type="submit" className="primary">
              Next
            </button>
          ) : (
            <button type="submit" className="primary" disabled={action.busy || partial !== null}>
              {action.busy ? 'Creating…' : 'Create key'}
            </button>
          )}
        </div>
      </form>
    </>
  );
}
