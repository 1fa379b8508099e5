import { deleteDeviceCopy } from '../workflow/delete-device-copy';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(deleteDeviceCopy);
