import { SIZE_FAULTS } from './conformance/contract';
import { conformanceSuite } from './conformance/suite';

/**
 * Conformance, part 2: the faults about the download's bytes (reset mid-download, truncated body,
 * slow stream) for every device type that downloads a file, each twice: a backup small enough for
 * one PutObject and one large enough for the multipart path. The harness checks which path each
 * took; removing the multipart upload's short-stream check fails `truncated-body (multipart)`.
 */
conformanceSuite({ plain: false, faults: (fault) => SIZE_FAULTS.includes(fault) });
