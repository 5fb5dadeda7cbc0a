// One key: its metadata; description, aliases and tags to edit; enable/disable; rotation
// (automatic with a period, on demand, history) for symmetric keys; the public key as a PEM
// download for key pairs; deletion scheduled with a waiting period and a live countdown, or
// cancelled.

import { useEffect, useId, useState, type FormEvent, type ReactElement } from 'react';
import { Badge, KeyStateBadge } from '../components/Badge.tsx';
import { Countdown } from '../components/Countdown.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage, Problems } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/Notice.tsx';
import { Table } from '../components/Table.tsx';
import { call, listAll, useAction, useLoad, type Loadable } from '../lib/call.ts';
import { derToPem, downloadText } from '../lib/download.ts';
import { takeFlash } from '../lib/flash.ts';
import { formatDateTime, isoOf, toBytes } from '../lib/format.ts';
import { aliasProblem, canRotate, fullAliasName, isAsymmetric, USAGE_WORDS, type AliasEntry, type KeyMetadata } from '../lib/keys.ts';
import { approvalCommands, GUARDED_ACTION_WORDS } from '../lib/custody.ts';
import { hrefTo, withQuery } from '../lib/router.ts';

function Field(props: { readonly label: string; readonly children: ReactElement | string | null; readonly mono?: boolean }): ReactElement {
  return (
    <div className="row">
      <dt>{props.label}</dt>
      <dd className={props.mono === true ? 'mono' : undefined}>{props.children ?? '—'}</dd>
    </div>
  );
}

export function KeyDetailScreen(props: { readonly keyId: string }): ReactElement {
  const { loaded, reload } = useLoad(() => call((b) => b.describeKey({ KeyId: props.keyId })), props.keyId);
  const keyId = loaded.state === 'done' && loaded.result.ok ? loaded.result.value.KeyMetadata.KeyId : props.keyId;
  const aliases = useLoad(() => listAll((b, Marker) => b.listAliases({ KeyId: keyId, ...(Marker === undefined ? {} : { Marker }) }), (p) => p.Aliases), `aliases:${keyId}`);
  const primaryAlias = aliases.loaded.state === 'done' && aliases.loaded.result.ok ? aliases.loaded.result.value[0]?.AliasName : undefined;
  const [flash, setFlashText] = useState<string | null>(null);
  useEffect(() => {
    setFlashText(takeFlash());
  }, [props.keyId]);
  const meta = loaded.state === 'done' && loaded.result.ok ? loaded.result.value.KeyMetadata : null;

  // One heading element for the screen's life, so focus put on it when the screen opened stays.
  return (
    <>
      <div className="screen-head">
        <div>
          <p className="breadcrumb">
            <a href={hrefTo('keys')}>Keys</a> <span aria-hidden="true">›</span>
          </p>
          <h1 tabIndex={-1}>
            {primaryAlias ?? 'Key'} {primaryAlias === undefined ? <span className="mono small muted">{keyId}</span> : null}
          </h1>
        </div>
        {meta === null ? null : <KeyActions meta={meta} reload={reload} onMessage={setFlashText} />}
      </div>
      <p role="status" className="flash">
        {flash ?? ''}
      </p>
      {loaded.state === 'loading' ? (
        <Loading>Loading the key…</Loading>
      ) : !loaded.result.ok ? (
        <>
          <ErrorMessage error={loaded.result.error} context={`Key ${props.keyId} could not be read.`} />
          <p>
            <a href={hrefTo('keys')}>Back to keys</a>
          </p>
        </>
      ) : (
        <KeyDetail meta={loaded.result.value.KeyMetadata} reload={reload} onMessage={setFlashText} aliases={aliases} primaryAlias={primaryAlias} />
      )}
    </>
  );
}

function KeyActions(props: { readonly meta: KeyMetadata; readonly reload: () => void; readonly onMessage: (m: string) => void }): ReactElement {
  const { meta } = props;
  const keyId = meta.KeyId;
  const stateAction = useAction();
  const pending = meta.KeyState === 'PendingDeletion';
  const toggle = async (): Promise<void> => {
    const enabling = meta.KeyState !== 'Enabled';
    const r = await stateAction.run(() => call((b) => (enabling ? b.enableKey({ KeyId: keyId }) : b.disableKey({ KeyId: keyId }))));
    if (r.ok) {
      props.onMessage(enabling ? 'Key enabled.' : 'Key disabled: it cannot be used until it is enabled again.');
      props.reload();
    }
  };
  return (
    <div className="actions-block">
      <div className="actions">
        <KeyStateBadge state={meta.KeyState} />
        {meta.KeyManager === 'AWS' ? <Badge tone="info">Managed by Strongroom</Badge> : null}
        {pending || meta.KeyManager === 'AWS' ? null : (
          <button type="button" onClick={() => void toggle()} disabled={stateAction.busy || (meta.KeyState !== 'Enabled' && meta.KeyState !== 'Disabled')}>
            {meta.KeyState === 'Enabled' ? 'Disable key' : 'Enable key'}
          </button>
        )}
        <a className="button" href={withQuery('#/policies', { key: keyId })}>
          Key policy and grants
        </a>
        <a className="button" href={withQuery('#/audit', { key: keyId })}>
          Audit records
        </a>
      </div>
      {meta.KeyManager === 'AWS' ? (
        <p className="hint">
          A Strongroom feature made this key and uses it on your behalf (its alias names which). Its policy is fixed: it cannot be disabled, deleted, tagged or rotated on demand, and
          it rotates every year by itself. Every use is in its audit records.
        </p>
      ) : null}
      <ErrorMessage error={stateAction.error} context="The key’s state was not changed." />
    </div>
  );
}

function KeyDetail(props: {
  readonly meta: KeyMetadata;
  readonly reload: () => void;
  readonly onMessage: (m: string) => void;
  readonly aliases: AliasesLoad;
  readonly primaryAlias: string | undefined;
}): ReactElement {
  const { meta } = props;
  const keyId = meta.KeyId;
  return (
    <>
      <section className="card" aria-labelledby="meta-title">
        <h2 id="meta-title">General</h2>
        <dl>
          <Field label="Key ID" mono>
            {keyId}
          </Field>
          <Field label="ARN" mono>
            {meta.Arn}
          </Field>
          <Field label="State">{<KeyStateBadge state={meta.KeyState} />}</Field>
          <Field label="Key spec" mono>
            {meta.KeySpec}
          </Field>
          <Field label="Usage">{`${USAGE_WORDS[meta.KeyUsage] ?? meta.KeyUsage} (${meta.KeyUsage})`}</Field>
          <Field label="Origin" mono>
            {meta.Origin}
          </Field>
          <Field label="Created">{<time dateTime={isoOf(meta.CreationDate)}>{formatDateTime(meta.CreationDate, true)}</time>}</Field>
          {meta.EncryptionAlgorithms === undefined || meta.EncryptionAlgorithms.length === 0 ? null : (
            <Field label="Encryption algorithms" mono>
              {meta.EncryptionAlgorithms.join(', ')}
            </Field>
          )}
          {meta.SigningAlgorithms === undefined || meta.SigningAlgorithms.length === 0 ? null : (
            <Field label="Signing algorithms" mono>
              {meta.SigningAlgorithms.join(', ')}
            </Field>
          )}
          {meta.MacAlgorithms === undefined || meta.MacAlgorithms.length === 0 ? null : (
            <Field label="MAC algorithms" mono>
              {meta.MacAlgorithms.join(', ')}
            </Field>
          )}
          {meta.KeyAgreementAlgorithms === undefined || meta.KeyAgreementAlgorithms.length === 0 ? null : (
            <Field label="Key agreement" mono>
              {meta.KeyAgreementAlgorithms.join(', ')}
            </Field>
          )}
          {meta.CurrentKeyMaterialId === undefined ? null : (
            <Field label="Current material" mono>
              {meta.CurrentKeyMaterialId}
            </Field>
          )}
          {meta.ValidTo === undefined ? null : <Field label="Material expires">{formatDateTime(meta.ValidTo)}</Field>}
          {meta.CustomKeyStoreId === undefined ? null : (
            <Field label="Custom key store">
              <span>
                <a className="mono" href={hrefTo('custody')}>
                  {meta.CustomKeyStoreId}
                </a>{' '}
                <span className="muted small">(held by a PKCS#11 token; unavailable while the store is disconnected)</span>
              </span>
            </Field>
          )}
          <Field label="Exportable">{meta.XStrongroomExportable === true ? <Badge tone="info">Exportable</Badge> : 'No (fixed at creation)'}</Field>
        </dl>
      </section>

      <QuorumSection meta={meta} />
      {meta.XStrongroomExportable === true ? <ExportSection meta={meta} /> : null}

      <DescriptionSection meta={meta} reload={props.reload} />
      <AliasesSection keyId={keyId} aliases={props.aliases} />
      <TagsSection keyId={keyId} />
      {canRotate(meta) && meta.KeyState !== 'PendingDeletion' ? <RotationSection meta={meta} /> : null}
      {isAsymmetric(meta) ? <PublicKeySection meta={meta} label={props.primaryAlias} /> : null}
      <DeletionSection meta={meta} reload={props.reload} onMessage={props.onMessage} />
    </>
  );
}

/** The key's quorum rule (D25), read-only: approvals are signed offline and only the CLI carries them. */
function QuorumSection(props: { readonly meta: KeyMetadata }): ReactElement {
  const { meta } = props;
  const { loaded } = useLoad(() => call((b) => b.getQuorumRule({ KeyId: meta.KeyId })), `quorum:${meta.KeyId}`);
  const [shown, setShown] = useState('ScheduleKeyDeletion');
  if (loaded.state === 'loading') {
    return <Loading>Loading the quorum rule…</Loading>;
  }
  if (!loaded.result.ok) {
    return <ErrorMessage error={loaded.result.error} context="The key’s quorum rule could not be read." live={false} />;
  }
  const rule = loaded.result.value.Rule;
  return (
    <section className="card" aria-labelledby="quorum-title">
      <h2 id="quorum-title">Quorum</h2>
      {rule === null ? (
        <p className="hint">
          No quorum rule: the key policy alone decides who may delete, disable, re-policy or export this key. To require M custodians’ approvals for those, use{' '}
          <code>strongroom quorum set --key-id {meta.KeyId} --threshold 2 --custodians alice,bob</code> (custodians are on the <a href={hrefTo('custody')}>Custody</a>{' '}
          screen).
        </p>
      ) : (
        <>
          <dl>
            <Field label="Approvals needed">{`${rule.Threshold} of ${rule.Custodians.length}`}</Field>
            <Field label="Custodians">{rule.Custodians.join(', ')}</Field>
            <Field label="Rule set">{formatDateTime(rule.UpdatedDate)}</Field>
          </dl>
          <p>
            {rule.GuardedOperations.map((o) => GUARDED_ACTION_WORDS[o] ?? o).join(', ')} need {rule.Threshold} custodian approval{rule.Threshold === 1 ? '' : 's'} for each
            call, and so does changing or clearing this rule. This window cannot carry approvals — they are signatures over the exact request, made offline — so those
            buttons here are refused. Run them with the <code>strongroom</code> CLI:
          </p>
          <div className="field">
            <label htmlFor="quorum-operation">Steps for</label>
            <select id="quorum-operation" value={shown} onChange={(e) => setShown(e.target.value)}>
              {rule.GuardedOperations.map((o) => (
                <option key={o} value={o}>
                  {GUARDED_ACTION_WORDS[o] ?? o}
                </option>
              ))}
            </select>
          </div>
          <pre className="commands" tabIndex={0} aria-label="Approval commands">
            <code>{approvalCommands(shown, rule.KeyArn, rule.Threshold)}</code>
          </pre>
        </>
      )}
    </section>
  );
}

function ExportSection(props: { readonly meta: KeyMetadata }): ReactElement {
  return (
    <section className="card" aria-labelledby="export-title">
      <h2 id="export-title">Export for AWS KMS</h2>
      <p>
        This key was created exportable: its material can be wrapped under a public key from AWS KMS <code>GetParametersForImport</code>, for{' '}
        <code>aws kms import-key-material</code>, so the same key works in AWS. The window does not export; the CLI does, writing only the wrapped bytes:
      </p>
      <pre className="commands" tabIndex={0} aria-label="Export command">
        <code>{`strongroom export-key --key-id ${props.meta.KeyId} --wrapping-public-key wrapping.der \\\n  --wrapping-algorithm RSAES_OAEP_SHA_256 --import-token token.bin --out material.bin`}</code>
      </pre>
      <p className="hint">
        The key policy must allow <code>strongroom:ExportKeyMaterial</code> (the default policy does not name it; the owner’s <code>kms:*</code> does not cover it), and a
        quorum rule on the key makes each export need its custodians’ approvals.
      </p>
    </section>
  );
}

function DescriptionSection(props: { readonly meta: KeyMetadata; readonly reload: () => void }): ReactElement {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(props.meta.Description);
  const action = useAction();
  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const r = await action.run(() => call((b) => b.updateKeyDescription({ KeyId: props.meta.KeyId, Description: text })));
    if (r.ok) {
      setEditing(false);
      props.reload();
    }
  };
  return (
    <section className="card" aria-labelledby="desc-title">
      <div className="card-head">
        <h2 id="desc-title">Description</h2>
        {editing ? null : (
          <button
            type="button"
            onClick={() => {
              setText(props.meta.Description);
              setEditing(true);
            }}
          >
            Edit description
          </button>
        )}
      </div>
      {editing ? (
        <form onSubmit={(e) => void save(e)}>
          <div className="field">
            <label htmlFor="desc-edit">Description</label>
            <textarea
              id="desc-edit"
              rows={3}
              value={text}
              maxLength={8192}
              autoFocus
              onChange={(e) => {
                setText(e.target.value);
              }}
            />
          </div>
          <ErrorMessage error={action.error} context="The description was not saved." />
          <div className="actions">
            <button type="submit" className="primary" disabled={action.busy}>
              Save description
            </button>
            <button
              type="button"
              onClick={() => {
                setEditing(false);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <p>{props.meta.Description === '' ? <span className="muted">No description.</span> : props.meta.Description}</p>
      )}
    </section>
  );
}

type AliasesLoad = { readonly loaded: Loadable<ReadonlyArray<AliasEntry>>; readonly reload: () => void };

function AliasesSection(props: { readonly keyId: string; readonly aliases: AliasesLoad }): ReactElement {
  const { loaded, reload } = props.aliases;
  const [name, setName] = useState('');
  const [problems, setProblems] = useState<ReadonlyArray<string>>([]);
  const add = useAction();
  const remove = useAction();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const p = aliasProblem(name.trim());
    setProblems(p === null ? [] : [p]);
    if (p !== null) {
      return;
    }
    const r = await add.run(() => call((b) => b.createAlias({ AliasName: fullAliasName(name.trim()), TargetKeyId: props.keyId })));
    if (r.ok) {
      setName('');
      reload();
    }
  };
  return (
    <section className="card" aria-labelledby="aliases-title">
      <h2 id="aliases-title">Aliases</h2>
      {loaded.state === 'loading' ? (
        <Loading />
      ) : !loaded.result.ok ? (
        <ErrorMessage error={loaded.result.error} context="The aliases could not be listed." />
      ) : loaded.result.value.length === 0 ? (
        <p className="muted">No aliases.</p>
      ) : (
        <ul className="item-list">
          {loaded.result.value.map((a) => (
            <li key={a.AliasName}>
              <span className="mono">{a.AliasName}</span>
              <button
                type="button"
                disabled={remove.busy}
                onClick={() =>
                  void remove.run(() => call((b) => b.deleteAlias({ AliasName: a.AliasName }))).then((r) => {
                    if (r.ok) {
                      reload();
                    }
                  })
                }
              >
                Remove<span className="visually-hidden"> alias {a.AliasName}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorMessage error={remove.error} context="The alias was not removed." />
      <form className="inline-form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="alias-add">New alias</label>
          <div className="prefixed">
            <span className="prefix mono" aria-hidden="true">
              alias/
            </span>
            <input
              id="alias-add"
              type="text"
              value={name.replace(/^alias\//, '')}
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => {
                setName(e.target.value);
              }}
            />
          </div>
        </div>
        <button type="submit" disabled={add.busy || name.trim() === ''}>
          Add alias
        </button>
      </form>
      <Problems problems={problems} />
      <ErrorMessage error={add.error} context="The alias was not added." />
    </section>
  );
}

function TagsSection(props: { readonly keyId: string }): ReactElement {
  const { loaded, reload } = useLoad(() => listAll((b, Marker) => b.listResourceTags({ KeyId: props.keyId, ...(Marker === undefined ? {} : { Marker }) }), (p) => p.Tags), `tags:${props.keyId}`);
  const [tagKey, setTagKey] = useState('');
  const [tagValue, setTagValue] = useState('');
  const add = useAction();
  const remove = useAction();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const r = await add.run(() => call((b) => b.tagResource({ KeyId: props.keyId, Tags: [{ TagKey: tagKey.trim(), TagValue: tagValue }] })));
    if (r.ok) {
      setTagKey('');
      setTagValue('');
      reload();
    }
  };
  return (
    <section className="card" aria-labelledby="tags-title">
      <h2 id="tags-title">Tags</h2>
      {loaded.state === 'loading' ? (
        <Loading />
      ) : !loaded.result.ok ? (
        <ErrorMessage error={loaded.result.error} context="The tags could not be listed." />
      ) : (
        <Table
          caption="Tags"
          captionHidden
          rows={loaded.result.value}
          rowKey={(t) => t.TagKey}
          empty="No tags."
          columns={[
            { key: 'k', header: 'Tag key', rowHeader: true, cell: (t) => t.TagKey },
            { key: 'v', header: 'Value', cell: (t) => t.TagValue },
            {
              key: 'a',
              header: <span className="visually-hidden">Actions</span>,
              cell: (t) => (
                <button
                  type="button"
                  disabled={remove.busy}
                  onClick={() =>
                    void remove.run(() => call((b) => b.untagResource({ KeyId: props.keyId, TagKeys: [t.TagKey] }))).then((r) => {
                      if (r.ok) {
                        reload();
                      }
                    })
                  }
                >
                  Remove<span className="visually-hidden"> tag {t.TagKey}</span>
                </button>
              ),
            },
          ]}
        />
      )}
      <ErrorMessage error={remove.error} context="The tag was not removed." />
      <form className="inline-form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="tag-key">Tag key</label>
          <input
            id="tag-key"
            type="text"
            value={tagKey}
            maxLength={128}
            onChange={(e) => {
              setTagKey(e.target.value);
            }}
          />
        </div>
        <div className="field">
          <label htmlFor="tag-value">Tag value</label>
          <input
            id="tag-value"
            type="text"
            value={tagValue}
            maxLength={256}
            onChange={(e) => {
              setTagValue(e.target.value);
            }}
          />
        </div>
        <button type="submit" disabled={add.busy || tagKey.trim() === ''}>
          Add tag
        </button>
      </form>
      <p className="hint">Adding a tag whose key already exists replaces its value.</p>
      <ErrorMessage error={add.error} context="The tag was not added." />
    </section>
  );
}

function RotationSection(props: { readonly meta: KeyMetadata }): ReactElement {
  const keyId = props.meta.KeyId;
  const imported = props.meta.Origin !== 'AWS_KMS';
  const status = useLoad(() => call((b) => b.getKeyRotationStatus({ KeyId: keyId })), `rotation:${keyId}`);
  const history = useLoad(
    () => listAll((b, Marker) => b.listKeyRotations({ KeyId: keyId, ...(Marker === undefined ? {} : { Marker }) }), (p) => p.Rotations),
    `rotations:${keyId}`,
  );
  const [enabled, setEnabled] = useState(false);
  const [period, setPeriod] = useState('365');
  const [confirmRotate, setConfirmRotate] = useState(false);
  const [message, setMessage] = useState('');
  const save = useAction();
  const rotate = useAction();
  const periodId = useId();

  useEffect(() => {
    if (status.loaded.state === 'done' && status.loaded.result.ok) {
      setEnabled(status.loaded.result.value.KeyRotationEnabled);
      setPeriod(String(status.loaded.result.value.RotationPeriodInDays ?? 365));
    }
  }, [status.loaded]);

  const days = Number(period);
  const periodProblem = enabled && (!Number.isInteger(days) || days < 90 || days > 2560) ? 'The period is a whole number of days from 90 to 2560.' : null;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (periodProblem !== null) {
      return;
    }
    const r = await save.run(() => call((b) => (enabled ? b.enableKeyRotation({ KeyId: keyId, RotationPeriodInDays: days }) : b.disableKeyRotation({ KeyId: keyId }))));
    if (r.ok) {
      setMessage(enabled ? `Automatic rotation is on, every ${days} days.` : 'Automatic rotation is off.');
      status.reload();
    }
  };
  const rotateNow = async (): Promise<void> => {
    const r = await rotate.run(() => call((b) => b.rotateKeyOnDemand({ KeyId: keyId })));
    setConfirmRotate(false);
    if (r.ok) {
      setMessage('Rotation started: new encryptions use the new material; older ciphertexts keep decrypting.');
      history.reload();
      status.reload();
    }
  };

  const current = status.loaded.state === 'done' && status.loaded.result.ok ? status.loaded.result.value : null;
  return (
    <section className="card" aria-labelledby="rotation-title">
      <h2 id="rotation-title">Rotation</h2>
      {imported ? (
        <p className="muted">
          Keys with imported material do not rotate automatically. Import new material with <code>strongroom import-key-material --import-type NEW_KEY_MATERIAL</code>, then
          rotate on demand.
        </p>
      ) : null}
      {status.loaded.state === 'loading' ? (
        <Loading />
      ) : !status.loaded.result.ok ? (
        <ErrorMessage error={status.loaded.result.error} context="The rotation status could not be read." />
      ) : (
        <dl>
          <Field label="Automatic rotation">{current?.KeyRotationEnabled === true ? <Badge tone="ok">On</Badge> : <Badge>Off</Badge>}</Field>
          {current?.KeyRotationEnabled === true ? <Field label="Period">{`${current.RotationPeriodInDays ?? 365} days`}</Field> : null}
          {current?.NextRotationDate === undefined ? null : <Field label="Next rotation">{formatDateTime(current.NextRotationDate)}</Field>}
          {current?.OnDemandRotationStartDate === undefined ? null : <Field label="On-demand rotation started">{formatDateTime(current.OnDemandRotationStartDate)}</Field>}
        </dl>
      )}
      {imported ? null : (
        <form className="inline-form" onSubmit={(e) => void submit(e)}>
          <label className="check">
            <input
              type="checkbox"
              checked={enabled}
              onChange={(e) => {
                setEnabled(e.target.checked);
              }}
            />
            <span>Rotate automatically</span>
          </label>
          <div className="field">
            <label htmlFor={periodId}>Every (days)</label>
            <input
              id={periodId}
              type="number"
              min={90}
              max={2560}
              step={1}
              value={period}
              disabled={!enabled}
              aria-invalid={periodProblem !== null}
              aria-describedby={`${periodId}-hint`}
              onChange={(e) => {
                setPeriod(e.target.value);
              }}
            />
          </div>
          <button type="submit" disabled={save.busy || periodProblem !== null}>
            Save rotation settings
          </button>
        </form>
      )}
      {imported ? null : (
        <p id={`${periodId}-hint`} className="hint">
          90 to 2560 days; 365 if you do not choose.
        </p>
      )}
      <Problems problems={periodProblem === null ? [] : [periodProblem]} />
      <ErrorMessage error={save.error} context="The rotation settings were not saved." />
      <div className="actions">
        <button
          type="button"
          onClick={() => {
            setConfirmRotate(true);
          }}
          disabled={rotate.busy || props.meta.KeyState !== 'Enabled'}
        >
          Rotate now
        </button>
      </div>
      <ErrorMessage error={rotate.error} context="The key was not rotated." />
      <p role="status" className="flash">
        {message}
      </p>
      <Dialog
        open={confirmRotate}
        title="Rotate this key now?"
        onClose={() => {
          setConfirmRotate(false);
        }}
        description="New encryptions will use new key material. Everything encrypted before keeps decrypting. A key can be rotated on demand at most 25 times."
      >
        <div className="actions">
          <button type="button" className="primary" onClick={() => void rotateNow()} disabled={rotate.busy}>
            Yes, rotate now
          </button>
          <button
            type="button"
            data-autofocus
            onClick={() => {
              setConfirmRotate(false);
            }}
          >
            Cancel
          </button>
        </div>
      </Dialog>
      <h3>Rotation history</h3>
      {history.loaded.state === 'loading' ? (
        <Loading />
      ) : !history.loaded.result.ok ? (
        <ErrorMessage error={history.loaded.result.error} context="The rotation history could not be listed." />
      ) : (
        <Table
          caption="Rotation history, oldest first"
          captionHidden
          rows={history.loaded.result.value}
          rowKey={(r) => `${r.KeyMaterialId ?? ''}:${String(r.RotationDate)}`}
          empty="Not rotated yet."
          columns={[
            { key: 'date', header: 'Rotated', rowHeader: true, cell: (r) => formatDateTime(r.RotationDate) },
            { key: 'type', header: 'How', cell: (r) => (r.RotationType === 'AUTOMATIC' ? 'Automatically' : r.RotationType === 'ON_DEMAND' ? 'On demand' : '—') },
            { key: 'material', header: 'Key material', cell: (r) => <span className="mono small">{r.KeyMaterialId ?? '—'}</span> },
            { key: 'state', header: 'Material state', cell: (r) => r.KeyMaterialState ?? '—' },
          ]}
        />
      )}
    </section>
  );
}

function PublicKeySection(props: { readonly meta: KeyMetadata; readonly label: string | undefined }): ReactElement {
  const action = useAction();
  const [message, setMessage] = useState('');
  const download = async (): Promise<void> => {
    const r = await action.run(() => call((b) => b.getPublicKey({ KeyId: props.meta.KeyId })));
    if (!r.ok) {
      return;
    }
    const der = toBytes(r.value.PublicKey);
    if (der === null) {
      setMessage('The engine returned the public key in a form this window cannot read.');
      return;
    }
    const name = `${(props.label ?? props.meta.KeyId).replace(/^alias\//, '')}.pem`;
    downloadText(name, derToPem(der));
    setMessage(`Public key downloaded as ${name}.`);
  };
  return (
    <section className="card" aria-labelledby="public-title">
      <h2 id="public-title">Public key</h2>
      <p>
        The public half of this key pair, as PEM (SubjectPublicKeyInfo). Anyone may have it: it verifies signatures
        {props.meta.KeyUsage === 'ENCRYPT_DECRYPT' ? ' and encrypts to this key' : props.meta.KeyUsage === 'KEY_AGREEMENT' ? ' and lets a peer agree a secret with this key' : ''}.
      </p>
      <button type="button" onClick={() => void download()} disabled={action.busy}>
        Download public key (PEM)
      </button>
      <ErrorMessage error={action.error} context="The public key could not be read." />
      <p role="status" className="flash">
        {message}
      </p>
    </section>
  );
}

function DeletionSection(props: { readonly meta: KeyMetadata; readonly reload: () => void; readonly onMessage: (m: string) => void }): ReactElement {
  const { meta } = props;
  const [open, setOpen] = useState(false);
  const [days, setDays] = useState('30');
  const schedule = useAction();
  const cancel = useAction();
  const windowId = useId();
  const n = Number(days);
  const problem = !Number.isInteger(n) || n < 7 || n > 30 ? 'The waiting period is a whole number of days from 7 to 30.' : null;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (problem !== null) {
      return;
    }
    const r = await schedule.run(() => call((b) => b.scheduleKeyDeletion({ KeyId: meta.KeyId, PendingWindowInDays: n })));
    if (r.ok) {
      setOpen(false);
      props.onMessage(`Deletion scheduled for ${formatDateTime(r.value.DeletionDate)}. You can cancel it until then.`);
      props.reload();
    }
  };
  const cancelDeletion = async (): Promise<void> => {
    const r = await cancel.run(() => call((b) => b.cancelKeyDeletion({ KeyId: meta.KeyId })));
    if (r.ok) {
      props.onMessage('Deletion cancelled. The key is disabled: enable it to use it again.');
      props.reload();
    }
  };

  return (
    <section className="card danger-zone" aria-labelledby="delete-title">
      <h2 id="delete-title">Deletion</h2>
      {meta.KeyState === 'PendingDeletion' ? (
        <>
          <p>
            <strong>This key will be deleted</strong>{' '}
            <Countdown to={meta.DeletionDate} label="Time until the key is deleted" whenDue="at the next scheduled check (the date has passed)" />.
          </p>
          <p>
            Until then it cannot be used. After it, the key and all its material are gone for good, and nothing encrypted under it can be decrypted.
          </p>
          <button type="button" className="primary" onClick={() => void cancelDeletion()} disabled={cancel.busy}>
            Cancel deletion
          </button>
          <ErrorMessage error={cancel.error} context="The deletion was not cancelled." />
        </>
      ) : (
        <>
          <p>
            Deleting a key destroys its material after a waiting period of 7 to 30 days. Nothing encrypted under it can be decrypted afterwards. To stop using it
            without that risk, disable it instead.
          </p>
          <button
            type="button"
            className="danger"
            onClick={() => {
              schedule.clear();
              setOpen(true);
            }}
          >
            Schedule key deletion
          </button>
        </>
      )}
      <Dialog
        open={open}
        title="Schedule key deletion"
        onClose={() => {
          setOpen(false);
        }}
        description="The key is disabled at once and deleted when the waiting period ends. You can cancel until then."
      >
        <form onSubmit={(e) => void submit(e)}>
          <div className="field">
            <label htmlFor={windowId}>Waiting period (days)</label>
            <input
              id={windowId}
              type="number"
              min={7}
              max={30}
              step={1}
              value={days}
              data-autofocus
              aria-invalid={problem !== null}
              aria-describedby={`${windowId}-hint`}
              onChange={(e) => {
                setDays(e.target.value);
              }}
            />
            <p id={`${windowId}-hint`} className="hint">
              7 to 30 days.
              {problem === null ? ` The key would be deleted on ${formatDateTime(new Date(Date.now() + n * 86_400_000))}.` : ''}
            </p>
          </div>
          <Problems problems={problem === null ? [] : [problem]} />
          <ErrorMessage error={schedule.error} context="The deletion was not scheduled." />
          <div className="actions">
            <button type="submit" className="danger" disabled={schedule.busy || problem !== null}>
              Schedule deletion
            </button>
            <button
              type="button"
              onClick={() => {
                setOpen(false);
              }}
            >
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
    </section>
  );
}
