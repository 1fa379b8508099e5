/**
 * The tag every backup object carries from the moment it is stored (set with the upload, never
 * afterwards). The bucket's lifecycle transitions filter on it, so only backup objects move to
 * colder storage classes: manifests carry no tag and stay in STANDARD, so listing and planning
 * never need a restore from Glacier. The key is namespaced so it cannot clash with a user's tags.
 */
export const BACKUP_OBJECT_TAG = { key: 'backup-runner:kind', value: 'backup' } as const;

/** The tags of a backup object, as an upload's `tags` option takes them. */
export function backupObjectTags(): Record<string, string> {
  return { [BACKUP_OBJECT_TAG.key]: BACKUP_OBJECT_TAG.value };
}
