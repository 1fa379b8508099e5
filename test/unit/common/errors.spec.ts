import { describe, expect, it } from 'vitest';
import { ConfigError, DeviceRejectedRequest, DeviceUnreachable, withDevice } from '../../../lambdas/common/errors';

describe('withDevice', () => {
  it('labels a ConfigError with the device and keeps its issue list', () => {
    const labelled = withDevice(new ConfigError('server differs from the config', ['server.host: device has 10.0.0.8, config says 10.0.0.9']), 'ar12');
    expect(labelled).toBeInstanceOf(ConfigError);
    expect(labelled.name).toBe('ConfigError');
    expect((labelled as ConfigError).deviceId).toBe('ar12');
    expect((labelled as ConfigError).issues).toEqual(['server.host: device has 10.0.0.8, config says 10.0.0.9']);
    expect(labelled.message).toBe('ar12: server differs from the config\n  - server.host: device has 10.0.0.8, config says 10.0.0.9');
  });

  it('keeps the type (and a rejected request its status) so Retry/Catch still match', () => {
    const unreachable = withDevice(new DeviceUnreachable('connection refused'), 'ar11');
    expect(unreachable).toBeInstanceOf(DeviceUnreachable);
    expect(unreachable.message).toBe('ar11: connection refused');
    const rejected = withDevice(new DeviceRejectedRequest('HTTP 400 BAD_REQUEST', { status: 400 }), 'ar11');
    expect(rejected).toBeInstanceOf(DeviceRejectedRequest);
    expect((rejected as DeviceRejectedRequest).status).toBe(400);
  });

  it('leaves an error that already names its device alone, and wraps foreign errors', () => {
    const named = new DeviceUnreachable('reset', { deviceId: 'ar11' });
    expect(withDevice(named, 'other')).toBe(named);
    expect(withDevice(new Error('boom'), 'ar11').message).toBe('ar11: boom');
  });
});
