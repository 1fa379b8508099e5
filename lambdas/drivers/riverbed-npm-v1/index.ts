export { createRiverbedNpmV1Driver } from './driver';
