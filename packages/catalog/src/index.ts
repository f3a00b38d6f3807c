export * from './types.ts';
export { getEntry, listEntries, suggestTypes, entryForClass, classStem, type ListFilter } from './catalog.ts';
export { classifyModelType, classifyConfig, headOf } from './classify.ts';
export { normalizeTypeName, editDistance } from './normalize.ts';
export { FAMILY_RULE, MAPPING_TASK, familyFromMappings, tasksFromMappings, mappingName } from './mappings.ts';
