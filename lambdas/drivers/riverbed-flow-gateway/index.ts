export { createFlowGatewayDriver } from './driver';
