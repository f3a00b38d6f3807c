export * from './types.ts';
export {
  getEntry,
  exactEntry,
  listEntries,
  suggestTypes,
  entryForClass,
  classStem,
  catalogMeta,
  partOf,
  type ListFilter,
  type CatalogMeta,
} from './catalog.ts';
export { classifyModelType, classifyConfig, headOf } from './classify.ts';
export { normalizeTypeName, editDistance } from './normalize.ts';
export { FAMILY_RULE, MAPPING_TASK, familyFromMappings, tasksFromMappings, mappingName } from './mappings.ts';
export { derive, type TypeFacts, type Derived } from './derive.ts';
export {
  diffRelease,
  removesTooMuch,
  writeSyncFile,
  readSyncFile,
  readSyncedNewTypes,
  SYNC_FILE,
  SYNC_REMOVAL_LIMIT,
  type SyncDiff,
  type SyncFile,
  type RemappedType,
  type TypeRef,
} from './sync.ts';
export { diffReleases, releaseFromCatalog, type ReleaseDiff } from './releases.ts';
export { SEED_LISTS, type SeedList } from './seed-lists.ts';
export { parseMappingDicts, readPythonDicts } from './upstream/python.ts';
export { openSource, SourceError, type SourceTree } from './upstream/source.ts';
export { openZip, ZipError } from './upstream/zip.ts';
export {
  readRelease,
  releaseToTsv,
  releaseFromTsv,
  compareVersions,
  type Release,
  type ReleaseType,
} from './upstream/release.ts';
export { openRelease, wheelForVersion, releaseCacheDir, isVersion } from './upstream/pip.ts';
export { findTjsPackage, readTjsRegistry, diffTjs, type TjsRegistry, type TjsDiff } from './upstream/tjs.ts';
