// Policies: for one key, its key policy in a JSON editor (validated as you type, saved with
// PutKeyPolicy, refusals shown as the engine words them), the policy read out as "who can do
// what", its grants (create, retire, revoke) and the policy simulator (SimulatePolicy: would
// this principal be allowed this action, and which statement decides).

import { useEffect, useId, useMemo, useState, type FormEvent, type ReactElement } from 'react';
import type { OperationInput, OperationOutput } from '../../../shared/api/operations.ts';
import { Badge } from '../components/Badge.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage, Problems } from '../components/ErrorMessage.tsx';
import { JsonEditor } from '../components/JsonEditor.tsx';
import { KeySelect } from '../components/KeyPicker.tsx';
import { KeyValueRows } from '../components/KeyValueRows.tsx';
import { Loading } from '../components/Notice.tsx';
import { PolicySummaryView } from '../components/PolicySummary.tsx';
import { Table } from '../components/Table.tsx';
import { useApp } from '../lib/app.ts';
import { call, listAll, useAction, useLoad } from '../lib/call.ts';
import { formatDateTime } from '../lib/format.ts';
import { locateJsonPath, parseJson, policyCharacterProblem, policyErrorPath } from '../lib/json.ts';
import { grantOperationsFor, loadKeyRows, type KeyMetadata } from '../lib/keys.ts';
import { pairsToMap, type Pair } from '../lib/pairs.ts';
import { describeMatch, describePrincipal, KMS_ACTIONS, principalArn, summarizePolicy } from '../lib/policy.ts';
import { hrefTo, navigate, withQuery } from '../lib/router.ts';

type Grant = OperationOutput<'ListGrants'>['Grants'][number];
type Simulation = OperationOutput<'SimulatePolicy'>;

export function PoliciesScreen(props: { readonly keyId: string | null }): ReactElement {
  const keys = useLoad(() => loadKeyRows({ rotation: false }), 'policy-keys');
  const rows = keys.loaded.state === 'done' && keys.loaded.result.ok ? keys.loaded.result.value : [];
  const selected = rows.find((r) => r.meta.KeyId === props.keyId || r.aliases.includes(props.keyId ?? ''));
  return (
    <>
      <div className="screen-head">
        <h1 tabIndex={-1}>Policies</h1>
      </div>
      {keys.loaded.state === 'loading' ? (
        <Loading>Loading keys…</Loading>
      ) : !keys.loaded.result.ok ? (
        <ErrorMessage error={keys.loaded.result.error} context="The keys could not be listed." />
      ) : rows.length === 0 ? (
        <p>
          There are no keys yet, so no key policies. <a href={hrefTo('keys', 'new')}>Create a key</a>.
        </p>
      ) : (
        <div className="toolbar">
          <KeySelect
            id="policy-key"
            label="Key"
            keys={rows}
            value={selected?.meta.KeyId ?? ''}
            onChange={(id) => {
              navigate(withQuery('#/policies', { key: id }));
            }}
          />
          {selected === undefined ? null : (
            <a className="button" href={hrefTo('keys', selected.meta.KeyId)}>
              Open key
            </a>
          )}
        </div>
      )}
      {props.keyId !== null && keys.loaded.state === 'done' && keys.loaded.result.ok && selected === undefined ? (
        <p className="problem" role="alert">
          No key {props.keyId} in this installation.
        </p>
      ) : null}
      {selected === undefined ? (
        rows.length > 0 ? (
          <p className="muted">Choose a key to see and edit its policy, grants and what they allow.</p>
        ) : null
      ) : (
        <KeyPolicies key={selected.meta.KeyId} meta={selected.meta} />
      )}
    </>
  );
}

function KeyPolicies(props: { readonly meta: KeyMetadata }): ReactElement {
  const [draft, setDraft] = useState<{ readonly text: string; readonly valid: boolean }>({ text: '', valid: false });
  return (
    <>
      <PolicyEditor keyId={props.meta.KeyId} onDraft={setDraft} />
      <Grants meta={props.meta} />
      <Simulator keyId={props.meta.KeyId} draft={draft} />
    </>
  );
}

function PolicyEditor(props: { readonly keyId: string; readonly onDraft: (d: { readonly text: string; readonly valid: boolean }) => void }): ReactElement {
  const { status } = useApp();
  const { loaded, reload } = useLoad(() => call((b) => b.getKeyPolicy({ KeyId: props.keyId, PolicyName: 'default' })), `policy:${props.keyId}`);
  const stored = loaded.state === 'done' && loaded.result.ok ? loaded.result.value.Policy : null;
  const [text, setText] = useState('');
  const [message, setMessage] = useState('');
  const save = useAction();
  const { onDraft } = props;

  useEffect(() => {
    if (stored !== null) {
      setText(stored);
    }
  }, [stored]);

  const parsed = useMemo(() => parseJson(text), [text]);
  const chars = useMemo(() => policyCharacterProblem(text), [text]);
  const valid = parsed.ok && chars === null && text.trim() !== '';
  const summary = useMemo(() => (parsed.ok ? summarizePolicy(parsed.value, status?.accountId) : null), [parsed, status?.accountId]);
  const dirty = stored !== null && text !== stored;
  // A refusal names where the policy is wrong (Statement[0].Action[1]): offer to go there.
  const errorPath = save.error?.name === 'MalformedPolicyDocumentException' ? policyErrorPath(save.error.message) : null;
  const errorAt = errorPath === null ? null : locateJsonPath(text, errorPath);

  useEffect(() => {
    onDraft({ text, valid });
  }, [text, valid, onDraft]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setMessage('');
    if (!valid) {
      return;
    }
    const r = await save.run(() => call((b) => b.putKeyPolicy({ KeyId: props.keyId, PolicyName: 'default', Policy: text })));
    if (r.ok) {
      setMessage('Policy saved.');
      reload();
    }
  };

  return (
    <>
      <section className="card" aria-labelledby="policy-title">
        <h2 id="policy-title">Key policy</h2>
        {loaded.state === 'loading' ? (
          <Loading>Loading the policy…</Loading>
        ) : !loaded.result.ok ? (
          <ErrorMessage error={loaded.result.error} context="The key policy could not be read." />
        ) : (
          <form onSubmit={(e) => void submit(e)}>
            <JsonEditor
              id="policy-editor"
              label="Policy document (JSON)"
              value={text}
              onChange={(t) => {
                setText(t);
                setMessage('');
              }}
              extraProblem={policyCharacterProblem}
              rows={20}
            />
            <ErrorMessage error={save.error} context="The policy was not saved." />
            {errorPath === null || errorAt === null ? null : (
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  const t = document.getElementById('policy-editor');
                  if (t instanceof HTMLTextAreaElement) {
                    t.focus();
                    t.setSelectionRange(errorAt.offset, errorAt.offset);
                  }
                }}
              >
                Go to {errorPath} (line {errorAt.line}, column {errorAt.column})
              </button>
            )}
            <p role="status" className="flash">
              {message}
            </p>
            <div className="actions">
              <button type="submit" className="primary" disabled={!valid || !dirty || save.busy}>
                {save.busy ? 'Saving…' : 'Save policy'}
              </button>
              <button
                type="button"
                disabled={!parsed.ok}
                onClick={() => {
                  if (parsed.ok) {
                    setText(JSON.stringify(parsed.value, null, 2));
                  }
                }}
              >
                Format JSON
              </button>
              <button
                type="button"
                disabled={!dirty}
                onClick={() => {
                  if (stored !== null) {
                    setText(stored);
                    save.clear();
                  }
                }}
              >
                Discard changes
              </button>
              {dirty ? <span className="muted">Unsaved changes</span> : null}
            </div>
            <p className="hint">
              The engine checks the policy when you save (actions, principals, conditions) and refuses one under which you could no longer change it.
            </p>
          </form>
        )}
      </section>
      <section className="card" aria-labelledby="summary-title">
        <h2 id="summary-title">Who can do what</h2>
        {dirty ? <p className="muted">Describes the policy in the editor, not yet saved.</p> : null}
        {summary === null ? (
          <p className="muted">Fix the JSON to see what the policy allows.</p>
        ) : (
          <PolicySummaryView summary={summary} />
        )}
        <p className="hint">Identity policies of users and roles, and grants, can allow more: the simulator below takes them all into account.</p>
      </section>
    </>
  );
}

function constraintText(g: Grant): string {
  const c = g.Constraints;
  if (c?.EncryptionContextEquals !== undefined) {
    return `context equals ${Object.entries(c.EncryptionContextEquals).map(([k, v]) => `${k}=${v}`).join(', ')}`;
  }
  if (c?.EncryptionContextSubset !== undefined) {
    return `context includes ${Object.entries(c.EncryptionContextSubset).map(([k, v]) => `${k}=${v}`).join(', ')}`;
  }
  return 'none';
}

function Grants(props: { readonly meta: KeyMetadata }): ReactElement {
  const keyId = props.meta.KeyId;
  const { status } = useApp();
  const { loaded, reload } = useLoad(
    () => listAll((b, Marker) => b.listGrants({ KeyId: keyId, Limit: 100, ...(Marker === undefined ? {} : { Marker }) }), (p) => p.Grants),
    `grants:${keyId}`,
  );
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<Grant | null>(null);
  const [message, setMessage] = useState('');
  const retire = useAction();
  const revoke = useAction();

  const doRetire = async (g: Grant): Promise<void> => {
    const r = await retire.run(() => call((b) => b.retireGrant({ KeyId: keyId, GrantId: g.GrantId ?? '' })));
    if (r.ok) {
      setMessage(`Grant ${g.Name ?? g.GrantId ?? ''} retired.`);
      reload();
    }
  };
  const doRevoke = async (): Promise<void> => {
    if (revoking === null) {
      return;
    }
    const g = revoking;
    const r = await revoke.run(() => call((b) => b.revokeGrant({ KeyId: keyId, GrantId: g.GrantId ?? '' })));
    if (r.ok) {
      setRevoking(null);
      setMessage(`Grant ${g.Name ?? g.GrantId ?? ''} revoked.`);
      reload();
    }
  };

  return (
    <section className="card" aria-labelledby="grants-title">
      <div className="card-head">
        <h2 id="grants-title">Grants</h2>
        <button
          type="button"
          onClick={() => {
            setCreating(true);
          }}
        >
          New grant
        </button>
      </div>
      <p className="hint">A grant lets one principal use this key for some operations, optionally only with a given encryption context.</p>
      {loaded.state === 'loading' ? (
        <Loading>Loading grants…</Loading>
      ) : !loaded.result.ok ? (
        <ErrorMessage error={loaded.result.error} context="The grants could not be listed." />
      ) : (
        <Table
          caption="Grants on this key"
          captionHidden
          rows={loaded.result.value}
          rowKey={(g) => g.GrantId ?? ''}
          empty="No grants on this key."
          columns={[
            {
              key: 'id',
              header: 'Grant',
              rowHeader: true,
              className: 'wrap',
              cell: (g) => (
                <>
                  {g.Name === undefined ? null : <span className="block">{g.Name}</span>}
                  <span className="mono small">{g.GrantId}</span>
                </>
              ),
            },
            { key: 'grantee', header: 'Grantee', cell: (g) => (g.GranteePrincipal === undefined ? '—' : <span title={g.GranteePrincipal}>{describePrincipal(g.GranteePrincipal, status?.accountId)}</span>) },
            { key: 'ops', header: 'Operations', cell: (g) => (g.Operations ?? []).join(', '), className: 'wrap' },
            { key: 'constraints', header: 'Constraints', cell: constraintText, className: 'wrap' },
            { key: 'retiring', header: 'Retiring principal', cell: (g) => (g.RetiringPrincipal === undefined ? '—' : describePrincipal(g.RetiringPrincipal, status?.accountId)) },
            { key: 'created', header: 'Created', cell: (g) => formatDateTime(g.CreationDate) },
            {
              key: 'actions',
              header: <span className="visually-hidden">Actions</span>,
              cell: (g) => (
                <div className="actions">
                  <button type="button" onClick={() => void doRetire(g)} disabled={retire.busy}>
                    Retire<span className="visually-hidden"> grant {g.Name ?? g.GrantId}</span>
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      revoke.clear();
                      setRevoking(g);
                    }}
                  >
                    Revoke<span className="visually-hidden"> grant {g.Name ?? g.GrantId}</span>
                  </button>
                </div>
              ),
            },
          ]}
        />
      )}
      <ErrorMessage error={retire.error} context="The grant was not retired." />
      <p role="status" className="flash">
        {message}
      </p>
      <p className="hint">
        Retire is for the grant’s retiring principal or grantee (or the account); revoke is for whoever the key policy allows kms:RevokeGrant.
      </p>
      <Dialog
        open={revoking !== null}
        title="Revoke this grant?"
        onClose={() => {
          setRevoking(null);
        }}
        description="The grantee loses what the grant allowed at once."
      >
        <p className="mono small">{revoking?.GrantId}</p>
        <ErrorMessage error={revoke.error} context="The grant was not revoked." />
        <div className="actions">
          <button type="button" className="danger" onClick={() => void doRevoke()} disabled={revoke.busy}>
            Revoke grant
          </button>
          <button
            type="button"
            data-autofocus
            onClick={() => {
              setRevoking(null);
            }}
          >
            Cancel
          </button>
        </div>
      </Dialog>
      <Dialog
        open={creating}
        title="Create grant"
        onClose={() => {
          setCreating(false);
          reload();
        }}
      >
        <CreateGrantForm meta={props.meta} accountId={status?.accountId} />
      </Dialog>
    </section>
  );
}

const CONTEXT_FREE = new Set(['Sign', 'Verify', 'GetPublicKey', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret']);

function CreateGrantForm(props: { readonly meta: KeyMetadata; readonly accountId: string | undefined }): ReactElement {
  const operations = grantOperationsFor(props.meta);
  const [grantee, setGrantee] = useState('');
  const [retiring, setRetiring] = useState('');
  const [name, setName] = useState('');
  const [ops, setOps] = useState<Array<string>>([]);
  const [constraint, setConstraint] = useState<'none' | 'subset' | 'equals'>('none');
  const [pairs, setPairs] = useState<Array<Pair>>([]);
  const [problems, setProblems] = useState<ReadonlyArray<string>>([]);
  const [created, setCreated] = useState<{ readonly GrantId: string; readonly GrantToken: string } | null>(null);
  const action = useAction();
  const ids = useId();
  const granteeArn = principalArn(grantee, props.accountId);
  const retiringArn = retiring.trim() === '' ? null : principalArn(retiring, props.accountId);
  const constraintsAllowed = props.meta.KeySpec === 'SYMMETRIC_DEFAULT' && !ops.some((o) => CONTEXT_FREE.has(o));

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const p: Array<string> = [];
    if (granteeArn === null) {
      p.push('Give the grantee: a user name, role/<name>, root, or a principal ARN.');
    }
    if (retiring.trim() !== '' && retiringArn === null) {
      p.push('The retiring principal is not a user name, role/<name>, root or ARN.');
    }
    if (ops.length === 0) {
      p.push('Choose at least one operation.');
    }
    if (name !== '' && !/^[a-zA-Z0-9:/_-]+$/.test(name)) {
      p.push('A grant name may contain letters, digits, :, /, _ and -.');
    }
    const ctx = pairsToMap(pairs, { caseInsensitiveKeys: true, maxPairs: 8, maxValueLength: 384, noun: 'constraint pair' });
    if (constraint !== 'none') {
      p.push(...ctx.problems);
      if (Object.keys(ctx.map).length === 0) {
        p.push('Add at least one encryption context pair for the constraint, or choose No constraint.');
      }
    }
    setProblems(p);
    if (p.length > 0 || granteeArn === null) {
      return;
    }
    const r = await action.run(() =>
      call((b) =>
        b.createGrant({
          KeyId: props.meta.KeyId,
          GranteePrincipal: granteeArn,
          Operations: ops as OperationInput<'CreateGrant'>['Operations'],
          ...(retiringArn === null ? {} : { RetiringPrincipal: retiringArn }),
          ...(name === '' ? {} : { Name: name }),
          ...(constraint === 'subset' && constraintsAllowed ? { Constraints: { EncryptionContextSubset: ctx.map } } : {}),
          ...(constraint === 'equals' && constraintsAllowed ? { Constraints: { EncryptionContextEquals: ctx.map } } : {}),
        }),
      ),
    );
    if (r.ok) {
      setCreated({ GrantId: r.value.GrantId, GrantToken: r.value.GrantToken });
    }
  };

  if (created !== null) {
    return (
      <div role="status">
        <p>
          <strong>Grant created.</strong> It applies at once.
        </p>
        <div className="field">
          <label htmlFor={`${ids}-gid`}>Grant ID</label>
          <input id={`${ids}-gid`} type="text" readOnly value={created.GrantId} className="mono" />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-tok`}>Grant token</label>
          <input id={`${ids}-tok`} type="text" readOnly value={created.GrantToken} className="mono" aria-describedby={`${ids}-tok-hint`} />
          <p id={`${ids}-tok-hint`} className="hint">
            Shown only now. Pass it as a grant token to use the grant before it is visible everywhere; you normally do not need it.
          </p>
        </div>
      </div>
    );
  }

  return (
    <form onSubmit={(e) => void submit(e)}>
      <div className="field">
        <label htmlFor={`${ids}-grantee`}>Grantee principal</label>
        <input
          id={`${ids}-grantee`}
          type="text"
          data-autofocus
          value={grantee}
          spellCheck={false}
          autoComplete="off"
          aria-describedby={`${ids}-grantee-hint`}
          onChange={(e) => {
            setGrantee(e.target.value);
          }}
        />
        <p id={`${ids}-grantee-hint`} className="hint">
          A user name (alice), role/&lt;name&gt;, root, or an ARN.
          {granteeArn === null ? '' : ` Grants to ${granteeArn}.`}
        </p>
      </div>
      <fieldset>
        <legend>Operations</legend>
        <ul className="plain-list columns">
          {operations.map((op) => (
            <li key={op}>
              <label className="check">
                <input
                  type="checkbox"
                  checked={ops.includes(op)}
                  onChange={(e) => {
                    setOps((prev) => (e.target.checked ? [...prev, op] : prev.filter((o) => o !== op)));
                  }}
                />
                <span>{op}</span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <fieldset disabled={!constraintsAllowed}>
        <legend>Constraint (optional)</legend>
        {constraintsAllowed ? null : (
          <p className="hint">
            Encryption context constraints apply only to symmetric keys, and not to grants that allow {[...CONTEXT_FREE].join(', ')}.
          </p>
        )}
        <ul className="plain-list">
          {(
            [
              ['none', 'No constraint'],
              ['subset', 'Only when the encryption context includes these pairs'],
              ['equals', 'Only when the encryption context is exactly these pairs'],
            ] as const
          ).map(([value, label]) => (
            <li key={value}>
              <label className="check">
                <input
                  type="radio"
                  name={`${ids}-constraint`}
                  checked={constraint === value}
                  onChange={() => {
                    setConstraint(value);
                  }}
                />
                <span>{label}</span>
              </label>
            </li>
          ))}
        </ul>
        {constraint === 'none' ? null : (
          <KeyValueRows legend="Encryption context pairs" rows={pairs} onChange={setPairs} addLabel="Add pair" hint="Keys compare without regard to case, values exactly. At most 8 pairs." />
        )}
      </fieldset>
      <div className="field">
        <label htmlFor={`${ids}-retiring`}>Retiring principal (optional)</label>
        <input
          id={`${ids}-retiring`}
          type="text"
          value={retiring}
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => {
            setRetiring(e.target.value);
          }}
        />
      </div>
      <div className="field">
        <label htmlFor={`${ids}-name`}>Name (optional)</label>
        <input
          id={`${ids}-name`}
          type="text"
          value={name}
          spellCheck={false}
          autoComplete="off"
          aria-describedby={`${ids}-name-hint`}
          onChange={(e) => {
            setName(e.target.value);
          }}
        />
        <p id={`${ids}-name-hint`} className="hint">
          Creating a grant again with the same name and settings returns the same grant.
        </p>
      </div>
      <Problems problems={problems} />
      <ErrorMessage error={action.error} context="The grant was not created." />
      <div className="actions">
        <button type="submit" className="primary" disabled={action.busy}>
          Create grant
        </button>
      </div>
    </form>
  );
}

function Simulator(props: { readonly keyId: string; readonly draft: { readonly text: string; readonly valid: boolean } }): ReactElement {
  const [principal, setPrincipal] = useState('root');
  const [action, setAction] = useState('kms:Decrypt');
  const [useDraft, setUseDraft] = useState(false);
  const [context, setContext] = useState<Array<Pair>>([]);
  const [entries, setEntries] = useState<Array<Pair>>([]);
  const [problems, setProblems] = useState<ReadonlyArray<string>>([]);
  const [result, setResult] = useState<Simulation | null>(null);
  const run = useAction();
  const ids = useId();

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const ctx = pairsToMap(context, { noun: 'encryption context pair' });
    const extra = pairsToMap(entries, { noun: 'condition entry' });
    const p = [...ctx.problems, ...extra.problems];
    if (principal.trim() === '') {
      p.unshift('Give a principal: root, a user name, role/<name> or an ARN.');
    }
    if (useDraft && !props.draft.valid) {
      p.push('The policy in the editor is not valid: fix it, or test the saved policy.');
    }
    setProblems(p);
    if (p.length > 0) {
      return;
    }
    setResult(null);
    const r = await run.run(() =>
      call((b) =>
        b.simulatePolicy({
          Principal: principal.trim(),
          Action: action,
          KeyId: props.keyId,
          ...(Object.keys(ctx.map).length === 0 ? {} : { EncryptionContext: ctx.map }),
          ...(Object.keys(extra.map).length === 0 ? {} : { ContextEntries: extra.map }),
          ...(useDraft ? { Policy: props.draft.text } : {}),
        }),
      ),
    );
    if (r.ok) {
      setResult(r.value);
    }
  };

  return (
    <section className="card" aria-labelledby="sim-title">
      <h2 id="sim-title">Policy simulator</h2>
      <p className="hint">Would a principal be allowed an action on this key? The simulator runs the same evaluation as every request — key policy, identity policies and grants — and changes nothing.</p>
      <form onSubmit={(e) => void submit(e)}>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${ids}-principal`}>Principal</label>
            <input
              id={`${ids}-principal`}
              type="text"
              value={principal}
              spellCheck={false}
              autoComplete="off"
              aria-describedby={`${ids}-principal-hint`}
              onChange={(e) => {
                setPrincipal(e.target.value);
              }}
            />
            <p id={`${ids}-principal-hint`} className="hint">
              root (the owner), a user name, role/&lt;name&gt; or an ARN.
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-action`}>Action</label>
            <select
              id={`${ids}-action`}
              value={action}
              onChange={(e) => {
                setAction(e.target.value);
              }}
            >
              {KMS_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </div>
        </div>
        <KeyValueRows legend="Encryption context (optional)" rows={context} onChange={setContext} addLabel="Add context pair" />
        <KeyValueRows
          legend="Other condition values (optional)"
          rows={entries}
          onChange={setEntries}
          keyLabel="Condition key"
          valueLabel="Condition value"
          addLabel="Add condition value"
          keyPlaceholder="aws:SourceIp"
          valuePlaceholder="127.0.0.1"
          hint="Any condition key the policies test, such as aws:SourceIp or aws:CurrentTime."
        />
        <label className="check">
          <input
            type="checkbox"
            checked={useDraft}
            onChange={(e) => {
              setUseDraft(e.target.checked);
            }}
          />
          <span>Test the policy in the editor instead of the saved one</span>
        </label>
        <Problems problems={problems} />
        <ErrorMessage error={run.error} context="The simulation did not run." />
        <div className="actions">
          <button type="submit" className="primary" disabled={run.busy}>
            Simulate
          </button>
        </div>
      </form>
      <div aria-live="polite">{result === null ? null : <SimulationResult result={result} />}</div>
    </section>
  );
}

export function SimulationResult(props: { readonly result: Simulation }): ReactElement {
  const { result } = props;
  const allowed = result.Decision === 'Allow';
  const deciding = result.MatchedStatements.filter((m) => (allowed ? m.Effect === 'Allow' : m.Effect === 'Deny'));
  let headline: string;
  if (allowed) {
    headline = deciding.length > 0 ? `Allowed by ${deciding.map(describeMatch).join(' and ')}` : 'Allowed';
  } else if (result.Decision === 'ExplicitDeny') {
    headline = `Denied by ${deciding.length > 0 ? deciding.map(describeMatch).join(' and ') : 'an explicit Deny'}`;
  } else {
    headline = 'Denied: nothing allows it';
  }
  return (
    <div className={allowed ? 'sim-result allow' : 'sim-result deny'}>
      <h3>
        <Badge tone={allowed ? 'ok' : 'problem'}>{allowed ? 'Allowed' : result.Decision === 'ExplicitDeny' ? 'Explicitly denied' : 'Denied'}</Badge> {headline}
      </h3>
      <p>{result.Explanation}</p>
      {result.Message === undefined || result.Message === '' ? null : (
        <p>
          What the caller would see: <q className="mono small">{result.Message}</q>
        </p>
      )}
      {result.MatchedStatements.length === 0 ? null : (
        <>
          <h4>Statements that matched</h4>
          <ul>
            {result.MatchedStatements.map((m, i) => (
              <li key={i}>
                <Badge tone={m.Effect === 'Allow' ? 'ok' : 'problem'}>{m.Effect}</Badge> {describeMatch(m)}
                {m.PrincipalMatch === undefined ? '' : ` — principal matched as ${m.PrincipalMatch}`}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
