/**
 * What the Riverbed npm.backup drivers (1.0 and 2.0) share: the mgmt.aaa bearer-token session
 * (login at 2.0 or 1.0, one fresh login on a 401), the device's error document and its mapping
 * to typed errors, and the {"username","password"} secret. The code lives with the 1.0 driver,
 * where it was written first; 2.0 imports it only through this module, so moving it here later
 * touches no driver.
 */
export { NpmSession, errorFromResponse, type RepeatableBody, type SessionRequest } from '../riverbed-npm-v1/session';
export { describeNpmError, errorForStatus, parseNpmErrorBody, type NpmErrorBody } from '../riverbed-npm-v1/device-errors';
export { parseNpmCredentials, type NpmCredentials } from '../riverbed-npm-v1/secret';
export { checkedSize } from '../riverbed-npm-v1/driver';
export { reopeningBody } from './reopening-body';
