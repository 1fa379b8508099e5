import type { DemoDeviceFactory } from './demo-device';
import { riverbedNpmV1Demo } from './riverbed-npm-v1';

/** Every simulated appliance the demo backs up: one per supported device type. */
export const DEMO_DEVICES: readonly DemoDeviceFactory[] = [riverbedNpmV1Demo];
