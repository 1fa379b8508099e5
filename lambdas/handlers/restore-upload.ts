import { uploadToDevice } from '../workflow/restore/upload-to-device';
import { stepHandler } from './lambda-deps';

export const handler = stepHandler(uploadToDevice);
