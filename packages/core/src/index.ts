export * from './types.ts';
export * from './hooks.ts';
export * from './errors.ts';
export * from './plugin.ts';
export * from './core.ts';
export * from './family.ts';
export * from './backend.ts';
export * from './template.ts';
