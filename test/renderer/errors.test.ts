// Error wording: every error the engine can answer has plain words; the ErrorMessage component
// shows them with the AWS name and the engine's message.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ErrorMessage, Problems } from '../../renderer/src/components/ErrorMessage.tsx';
import { codeSpans, errorText, isQuorumRefusal, plainErrorName, QUORUM_HINT, wordError } from '../../renderer/src/lib/errors.ts';
import { kmsErrorNames } from '../../shared/api/errors.ts';

describe('error wording', () => {
  it('words AccessDeniedException as "Access denied: <message>"', () => {
    const message = 'User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:Decrypt on resource: k';
    expect(errorText({ name: 'AccessDeniedException', message })).toBe(`Access denied: ${message}`);
  });

  it('has plain words for every error name the engine can answer, none of them the raw name', () => {
    for (const name of kmsErrorNames) {
      const words = plainErrorName(name);
      expect(words, name).not.toBe(name);
      expect(words, name).not.toMatch(/Exception$/);
      expect(words.length, name).toBeGreaterThan(2);
    }
  });

  it('splits an unknown name into words instead of showing nothing', () => {
    expect(plainErrorName('SomeNewFaultException')).toBe('Some new fault');
    expect(plainErrorName('WireError')).toBe('Wire');
    expect(plainErrorName('')).toBe('Error');
  });

  it('keeps the code and the message, and adds a hint where there is one', () => {
    const w = wordError({ name: 'AccessDeniedException', message: ' no ' });
    expect(w).toMatchObject({ title: 'Access denied', message: 'no', code: 'AccessDeniedException' });
    expect(w.hint).toContain('simulator');
    expect(wordError({ name: 'NotFoundException', message: 'x' }).hint).toBeUndefined();
    expect(errorText({ name: 'NotFoundException', message: '' })).toBe('Not found');
  });

  it('says what to do when a quorum rule refused the call, instead of pointing to the policy simulator', () => {
    const refusal = {
      name: 'AccessDeniedException',
      message:
        "ScheduleKeyDeletion on key arn:aws:kms:us-east-1:111122223333:key/k needs 2 of 3 custodian approvals (alice, bob, carol); no approvals were given. Create a request with `strongroom approval request ScheduleKeyDeletion --input '<json>'`, …",
    };
    expect(isQuorumRefusal(refusal)).toBe(true);
    expect(wordError(refusal)).toMatchObject({ title: 'Access denied', message: refusal.message, hint: QUORUM_HINT });
    expect(QUORUM_HINT).toMatch(/approval request.*approval sign.*--approvals/);
    const html = renderToStaticMarkup(createElement(ErrorMessage, { error: refusal }));
    expect(html).toContain('needs 2 of 3 custodian approvals');
    expect(html).toContain('cannot carry custodian approvals');
    expect(html).toContain("<code>strongroom approval request ScheduleKeyDeletion --input &#x27;&lt;json&gt;&#x27;</code>");
    // A policy denial keeps the simulator hint.
    const denied = { name: 'AccessDeniedException', message: 'User: arn:aws:iam::111122223333:user/x is not authorized to perform: kms:Decrypt' };
    expect(isQuorumRefusal(denied)).toBe(false);
    expect(wordError(denied).hint).toMatch(/policy simulator/);
  });

  it('shows the commands an engine message quotes between backticks as code, and a stray backtick as text', () => {
    expect(codeSpans('run `strongroom custodian list` to see them')).toEqual([
      { text: 'run ', code: false },
      { text: 'strongroom custodian list', code: true },
      { text: ' to see them', code: false },
    ]);
    expect(codeSpans('a ` alone')).toEqual([{ text: 'a ` alone', code: false }]);
    expect(codeSpans('plain')).toEqual([{ text: 'plain', code: false }]);
  });

  it('renders the error as an alert with words, message and name', () => {
    const html = renderToStaticMarkup(
      createElement(ErrorMessage, { error: { name: 'MalformedPolicyDocumentException', message: 'The key policy is malformed at Statement[0].Action[1]' }, context: 'Not saved.' }),
    );
    expect(html).toContain('role="alert"');
    expect(html).toContain('<strong>The policy is not valid</strong>: The key policy is malformed at Statement[0].Action[1]');
    expect(html).toContain('MalformedPolicyDocumentException');
    expect(html).toContain('Not saved.');
    expect(renderToStaticMarkup(createElement(ErrorMessage, { error: null }))).toBe('');
    expect(renderToStaticMarkup(createElement(ErrorMessage, { error: { name: 'X', message: 'y' }, live: false }))).not.toContain('role=');
  });

  it('renders form problems as one paragraph or a list', () => {
    expect(renderToStaticMarkup(createElement(Problems, { problems: [] }))).toBe('');
    expect(renderToStaticMarkup(createElement(Problems, { problems: ['a'] }))).toContain('<p>a</p>');
    expect(renderToStaticMarkup(createElement(Problems, { problems: ['a', 'b'] }))).toContain('<li>b</li>');
  });
});
