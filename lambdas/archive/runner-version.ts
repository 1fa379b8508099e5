// A JSON import, so the version travels inside the Lambda bundles: esbuild inlines it.
import packageJson from '../../package.json' with { type: 'json' };

/** This runner's version (package.json), recorded in every manifest. */
export const RUNNER_VERSION: string = packageJson.version;
