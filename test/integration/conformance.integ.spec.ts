import { SIZE_FAULTS } from './conformance/contract';
import { conformanceSuite } from './conformance/suite';

/**
 * Conformance, part 1: every device type of the table (conformance/device-types.ts) through a full
 * backup and a full restore with the synthesized state machines, against its simulator (SSH sides
 * on a real sshd), into s3rver; then every fault of the matrix its protocol allows, except those
 * about the download's bytes (conformance-downloads.integ.spec.ts). Each case ends in a verified
 * archive (object + manifest whose SHA-256 is what the simulator served) or restore, or in a failed
 * run whose message names the device; never in a false success; nothing archived before is lost.
 */
conformanceSuite({ plain: true, faults: (fault) => !SIZE_FAULTS.includes(fault) });
