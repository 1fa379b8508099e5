export { createRiverbedNpmV2Driver } from './driver';
export { npmV2InferredPaths, isFilerFileOf } from './inferred-paths';
export { npmV2Paths, NPM_V2_API } from './paths';
