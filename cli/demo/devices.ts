import type { DemoDeviceFactory } from './demo-device';
import { qradarDemo } from './qradar';
import { riverbedFlowGatewayDemo } from './riverbed-flow-gateway';
import { riverbedNpmV1Demo } from './riverbed-npm-v1';
import { riverbedNpmV2Demo } from './riverbed-npm-v2';
import { storwareDemo } from './storware';

/** Every simulated appliance the demo backs up: one per supported device type. */
export const DEMO_DEVICES: readonly DemoDeviceFactory[] = [riverbedNpmV1Demo, riverbedNpmV2Demo, riverbedFlowGatewayDemo, qradarDemo, storwareDemo];
