export { parseSshCredentials, LANDING_SECRET_FIELDS, type SshCredentials } from './credentials';
export { judgeHostKey, opensshFingerprint } from './host-key';
export { openRemoteFile } from './read-file';
export { isInside, listRemoteTree, removeRemoteTree } from './remote-tree';
export { openSftpSession, SftpSession, type SshEndpoint } from './session';
export { tarRemoteDirectory } from './tar-directory';
export { tarArchiveSize } from './tar-layout';
export { untarToRemote, writeRemoteFile } from './write';
