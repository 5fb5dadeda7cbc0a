// Screens by URL hash.

import { describe, expect, it } from 'vitest';
import { hrefTo, parseRoute, sectionOf, withQuery } from '../../renderer/src/lib/router.ts';

describe('routes', () => {
  it('parses every screen', () => {
    // The overview is the first screen (issue 23).
    expect(parseRoute('')).toEqual({ screen: 'overview' });
    expect(parseRoute('#/')).toEqual({ screen: 'overview' });
    expect(parseRoute('#/overview')).toEqual({ screen: 'overview' });
    expect(parseRoute('#/keys')).toEqual({ screen: 'keys' });
    expect(parseRoute('#/keys/new')).toEqual({ screen: 'create-key' });
    expect(parseRoute('#/keys/1234abcd')).toEqual({ screen: 'key', keyId: '1234abcd' });
    expect(parseRoute('#/files')).toEqual({ screen: 'files' });
    expect(parseRoute('#/policies?key=alias%2Ffiles')).toEqual({ screen: 'policies', keyId: 'alias/files' });
    expect(parseRoute('#/policies')).toEqual({ screen: 'policies', keyId: null });
    expect(parseRoute('#/audit?key=k&outcome=Failure')).toEqual({ screen: 'audit', query: { key: 'k', outcome: 'Failure' } });
    expect(parseRoute('#/settings')).toEqual({ screen: 'settings' });
    expect(parseRoute('#/custody')).toEqual({ screen: 'custody' });
    expect(parseRoute('#/nope/x')).toEqual({ screen: 'not-found', path: '/nope/x' });
    expect(parseRoute('#/keys/a/b')).toEqual({ screen: 'not-found', path: '/keys/a/b' });
  });

  it('opens the first screen for a fragment that is not a path (browser mode’s secret)', () => {
    expect(parseRoute('#secret=abc')).toEqual({ screen: 'overview' });
  });

  it('builds links that parse back', () => {
    expect(hrefTo('keys', 'alias/x')).toBe('#/keys/alias%2Fx');
    expect(parseRoute(hrefTo('keys', 'alias/x'))).toEqual({ screen: 'key', keyId: 'alias/x' });
    expect(withQuery('#/audit', { key: 'a b', event: undefined, error: '' })).toBe('#/audit?key=a+b');
    expect(withQuery('#/audit', {})).toBe('#/audit');
  });

  it('puts each screen under its nav section', () => {
    expect(sectionOf({ screen: 'create-key' })).toBe('keys');
    expect(sectionOf({ screen: 'key', keyId: 'x' })).toBe('keys');
    expect(sectionOf({ screen: 'audit', query: {} })).toBe('audit');
    expect(sectionOf({ screen: 'custody' })).toBe('custody');
    expect(sectionOf({ screen: 'not-found', path: '/' })).toBeNull();
  });
});
