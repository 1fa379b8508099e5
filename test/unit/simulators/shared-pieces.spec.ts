import { describe, expect, it } from 'vitest';
import { checkNonNegativeIntegers } from '../../../simulators/common/device-server';
import { AuthenticatedRequestCountdown, takeServerError, type ServerErrorsFault } from '../../../simulators/common/faults';
import { listenOptions, nonNegativeInteger } from '../../../simulators/common/main';
import { routeRequest, type Route } from '../../../simulators/common/routes';

describe('routeRequest', () => {
  const routes: Array<Route<string>> = [
    { pattern: /^\/open$/, auth: false, methods: { GET: 'open' } },
    { pattern: /^\/items\/([^/]+)$/, auth: true, methods: { GET: 'get', DELETE: 'delete' } },
  ];

  it('serves the first matching route with its URI-decoded groups, asking for credentials only where needed', () => {
    let asked = 0;
    const authenticated = () => {
      asked += 1;
      return true;
    };
    expect(routeRequest(routes, 'GET', '/open', authenticated)).toEqual({ kind: 'serve', handler: 'open', params: [] });
    expect(asked).toBe(0);
    expect(routeRequest(routes, 'DELETE', '/items/a%20b', authenticated)).toEqual({ kind: 'serve', handler: 'delete', params: ['a b'] });
    expect(asked).toBe(1);
  });

  it('decides 405 before 401, and 404 for an unknown path', () => {
    expect(routeRequest(routes, 'POST', '/items/1', () => false)).toEqual({ kind: 'method-not-allowed' });
    expect(routeRequest(routes, 'GET', '/items/1', () => false)).toEqual({ kind: 'unauthenticated' });
    expect(routeRequest(routes, 'GET', '/nothing', () => true)).toEqual({ kind: 'not-found' });
  });
});

describe('fault bookkeeping', () => {
  it('spends serverErrors one request at a time and removes the spent fault', () => {
    const faults: ServerErrorsFault = { serverErrors: { count: 2, status: 502 } };
    expect([takeServerError(faults), takeServerError(faults), takeServerError(faults)]).toEqual([502, 502, undefined]);
    expect(faults).toEqual({});
    expect(takeServerError({ serverErrors: { count: 1 } })).toBe(503);
  });

  it('reaches a request limit once, counting from when the limit was set', () => {
    const countdown = new AuthenticatedRequestCountdown();
    expect(countdown.reached(undefined)).toBe(false);
    expect(countdown.reached(undefined)).toBe(false);
    // Armed now: two more requests pass, the third trips it.
    expect([countdown.reached(2), countdown.reached(2), countdown.reached(2)]).toEqual([false, false, true]);
    // The caller removed the fault; re-arming starts a new count.
    expect([countdown.reached(undefined), countdown.reached(1), countdown.reached(1)]).toEqual([false, false, true]);
  });

  it('refuses option values that are not non-negative integers, naming simulator and option', () => {
    expect(() => checkNonNegativeIntegers('sim', { a: 1, b: 0 }, ['a', 'b'])).not.toThrow();
    expect(() => checkNonNegativeIntegers('sim', { a: 1.5 }, ['a'])).toThrow('sim: option a must be a non-negative integer, got 1.5');
    expect(() => checkNonNegativeIntegers('sim', { a: -1 }, ['a'])).toThrow(RangeError);
  });
});

describe('standalone simulator arguments', () => {
  it('parses non-negative integers and names the flag of a bad one', () => {
    expect(nonNegativeInteger('port', undefined)).toBeUndefined();
    expect(nonNegativeInteger('port', '8443')).toBe(8443);
    expect(() => nonNegativeInteger('duration-ms', 'soon')).toThrow('--duration-ms must be a non-negative integer, got "soon"');
  });

  it('turns --host, --port and --tls into simulator options, leaving out what was not given', () => {
    expect(listenOptions({ tls: false })).toEqual({ tls: false });
    expect(listenOptions({ host: '::1', port: '0', tls: true })).toEqual({ tls: true, host: '::1', port: 0 });
  });
});
