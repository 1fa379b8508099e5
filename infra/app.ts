/** The CDK CLI entry (cdk.json: `tsx infra/app.ts`); see synthApp for config lookup and checks. */
import { synthApp } from './synth-app';

synthApp();
