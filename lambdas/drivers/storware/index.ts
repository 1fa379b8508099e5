export { createStorwareDriver } from './driver';
export { StorwareClient } from './client';
export { StorwareSession } from './session';
export { parseStorwareCredentials } from './secret';
export { STORWARE_RECORD_FORMAT } from './record';
