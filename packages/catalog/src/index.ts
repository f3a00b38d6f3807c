export * from './types.ts';
export { getEntry, listEntries, suggestTypes, entryForClass, classStem, type ListFilter } from './catalog.ts';
export { classifyModelType, classifyConfig, headOf } from './classify.ts';
export { normalizeTypeName, editDistance } from './normalize.ts';
export { FAMILY_RULE, MAPPING_TASK, familyFromMappings, tasksFromMappings, mappingName } from './mappings.ts';
export {
  diffAutoFiles,
  writeSyncFile,
  readSyncFile,
  readSyncedNewTypes,
  SyncSourceError,
  SYNC_FILE,
  type SyncDiff,
  type SyncFile,
  type RemappedType,
} from './sync.ts';
export { parseMappingDicts } from './python-dicts.ts';
