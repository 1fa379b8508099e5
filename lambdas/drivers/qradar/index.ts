export { createQRadarDriver } from './driver';
